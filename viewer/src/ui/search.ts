// The search box (data-testid search-input / search-submit): Enter or the button
// looks the text up as a feature id; while typing, suggestions from api/search
// (names, addresses, ids, pinyin) drop down under it (data-testid
// search-suggestions, one search-suggestion per entry). ↑/↓ move through them,
// Enter or a click chooses one, Esc closes the list. The rules are in
// search-suggest.ts; this is the DOM.

import type { SearchHook } from "../test-hooks";
import { type Suggestion, Suggester, type SuggestTimers, keyAction, matchedText } from "../search-suggest";
import { el, replaceChildren } from "./dom";
import type { LangStore } from "./lang";

const LIST_ID = "twin-search-list";

export interface SearchBoxActions {
  /** Look the text up as a feature id (the form was submitted). */
  search(text: string): void;
  /** A suggestion was chosen. */
  choose(suggestion: Suggestion): void;
  /** api/search, for the suggestions. */
  suggest(query: string): Promise<readonly Suggestion[]>;
}

type ListState =
  | { readonly kind: "closed" }
  | { readonly kind: "shown"; readonly query: string; readonly items: readonly Suggestion[] }
  | { readonly kind: "failed" };

const browserTimers: SuggestTimers = {
  set: (callback, ms) => window.setTimeout(callback, ms),
  clear: (handle) => window.clearTimeout(handle),
};

export class SearchBox {
  readonly element: HTMLFormElement;
  private readonly label: HTMLLabelElement;
  private readonly input: HTMLInputElement;
  private readonly submit: HTMLButtonElement;
  private readonly list: HTMLUListElement;
  private readonly lang: LangStore;
  private readonly actions: SearchBoxActions;
  private readonly suggester: Suggester;
  private readonly hook: SearchHook;
  private state: ListState = { kind: "closed" };
  private active = -1;

  constructor(lang: LangStore, actions: SearchBoxActions, hook: SearchHook, timers: SuggestTimers = browserTimers) {
    this.lang = lang;
    this.actions = actions;
    this.hook = hook;
    this.input = el("input", {
      id: "twin-search",
      type: "search",
      class: "search-input",
      "data-testid": "search-input",
      autocomplete: "off",
      spellcheck: "false",
      role: "combobox",
      "aria-autocomplete": "list",
      "aria-expanded": "false",
      "aria-controls": LIST_ID,
    });
    this.label = el("label", { class: "section-label", for: "twin-search" });
    this.submit = el("button", { type: "submit", class: "button button-primary", "data-testid": "search-submit" });
    this.list = el("ul", { id: LIST_ID, class: "search-suggest", role: "listbox", "data-testid": "search-suggestions", hidden: true });
    this.element = el(
      "form",
      { class: "search", role: "search" },
      this.label,
      el("div", { class: "search-row" }, el("div", { class: "search-field" }, this.input, this.list), this.submit),
    );
    this.suggester = new Suggester({
      fetch: (query) => actions.suggest(query),
      timers,
      events: {
        show: (query, items) => {
          this.hook.queries += 1;
          this.setState({ kind: "shown", query, items });
        },
        clear: () => this.setState({ kind: "closed" }),
        failed: () => {
          this.hook.queries += 1;
          this.setState({ kind: "failed" });
        },
      },
    });
    this.input.addEventListener("input", () => this.suggester.input(this.input.value));
    this.input.addEventListener("keydown", (event) => this.key(event));
    this.input.addEventListener("blur", () => this.close());
    this.element.addEventListener("submit", (event) => {
      event.preventDefault();
      this.close();
      actions.search(this.input.value.trim());
    });
    lang.onChange(() => this.render());
    this.render();
  }

  private key(event: KeyboardEvent): void {
    if (event.isComposing) {
      return; // an input method is composing Chinese: its keys are its own
    }
    const items = this.state.kind === "shown" ? this.state.items : [];
    const action = keyAction(event.key, this.state.kind !== "closed", this.active, items.length);
    if (action.kind === "move") {
      event.preventDefault();
      this.active = action.index;
      this.renderList();
    } else if (action.kind === "choose") {
      event.preventDefault();
      const chosen = items[action.index];
      if (chosen !== undefined) {
        this.choose(chosen);
      }
    } else if (action.kind === "close" || (event.key === "Escape" && this.state.kind !== "closed")) {
      event.preventDefault();
      this.close();
    }
  }

  private choose(suggestion: Suggestion): void {
    this.input.value = suggestion.label;
    this.close();
    this.hook.chosen = suggestion.id;
    this.actions.choose(suggestion);
  }

  /** Closes the list and forgets any answer still on its way. */
  private close(): void {
    this.suggester.cancel();
    this.setState({ kind: "closed" });
  }

  private setState(state: ListState): void {
    this.state = state;
    this.active = -1;
    this.renderList();
  }

  private renderList(): void {
    const state = this.state;
    const open = state.kind !== "closed";
    this.list.hidden = !open;
    this.input.setAttribute("aria-expanded", String(open && state.kind === "shown" && state.items.length > 0));
    this.hook.open = open;
    this.hook.query = state.kind === "shown" ? state.query : null;
    this.hook.suggestions = state.kind === "shown" ? state.items.map((s) => s.id) : [];
    this.hook.active = this.active;
    this.input.removeAttribute("aria-activedescendant");
    if (state.kind === "closed") {
      this.list.replaceChildren();
      return;
    }
    if (state.kind === "failed") {
      replaceChildren(this.list, el("li", { class: "search-suggest-note" }, this.lang.t("search.suggestFailed")));
      return;
    }
    if (state.items.length === 0) {
      replaceChildren(this.list, el("li", { class: "search-suggest-note" }, this.lang.t("search.noSuggestions")));
      return;
    }
    const lang = this.lang.lang;
    replaceChildren(
      this.list,
      ...state.items.map((s, index) => {
        const id = `${LIST_ID}-${index}`;
        const item = el(
          "li",
          {
            id,
            role: "option",
            class: "search-suggestion",
            "data-testid": "search-suggestion",
            "data-id": s.id,
            "aria-selected": String(index === this.active),
          },
          el("span", { class: "search-suggestion-label" }, s.label),
          el("span", { class: "search-suggestion-meta" }, `${matchedText(lang, s.matched)} · ${s.id}`),
        );
        // the input keeps its focus (its blur would close the list before the click)
        item.addEventListener("mousedown", (event) => event.preventDefault());
        item.addEventListener("click", () => this.choose(s));
        if (index === this.active) {
          this.input.setAttribute("aria-activedescendant", id);
        }
        return item;
      }),
    );
    this.list.querySelector('[aria-selected="true"]')?.scrollIntoView({ block: "nearest" });
  }

  private render(): void {
    this.label.textContent = this.lang.t("search.label");
    this.input.placeholder = this.lang.t("search.placeholder");
    this.submit.textContent = this.lang.t("search.submit");
    this.list.setAttribute("aria-label", this.lang.t("search.suggestions"));
    this.renderList();
  }
}
