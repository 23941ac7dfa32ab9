// The search box: find a feature by its id (data-testid search-input / search-submit).

import { el } from "./dom";
import type { LangStore } from "./lang";

export class SearchBox {
  readonly element: HTMLFormElement;
  private readonly label: HTMLLabelElement;
  private readonly input: HTMLInputElement;
  private readonly submit: HTMLButtonElement;
  private readonly lang: LangStore;

  constructor(lang: LangStore, onSearch: (id: string) => void) {
    this.lang = lang;
    this.input = el("input", {
      id: "twin-search",
      type: "search",
      class: "search-input",
      "data-testid": "search-input",
      autocomplete: "off",
      spellcheck: "false",
    });
    this.label = el("label", { class: "section-label", for: "twin-search" });
    this.submit = el("button", { type: "submit", class: "button button-primary", "data-testid": "search-submit" });
    this.element = el(
      "form",
      { class: "search", role: "search" },
      this.label,
      el("div", { class: "search-row" }, this.input, this.submit),
    );
    this.element.addEventListener("submit", (event) => {
      event.preventDefault();
      onSearch(this.input.value.trim());
    });
    lang.onChange(() => this.render());
    this.render();
  }

  private render(): void {
    this.label.textContent = this.lang.t("search.label");
    this.input.placeholder = this.lang.t("search.placeholder");
    this.submit.textContent = this.lang.t("search.submit");
  }
}
