// The message line under the search box (data-testid="message"): one message at
// a time, kept as key + parameters so that it follows a language switch.

import type { MessageKey, Params } from "../i18n";
import { el } from "./dom";
import type { LangStore } from "./lang";

export type MessageLevel = "info" | "error";

export class MessageBar {
  readonly element: HTMLElement;
  private readonly text: HTMLElement;
  private readonly close: HTMLButtonElement;
  private readonly lang: LangStore;
  private current: { key: MessageKey; params: Params; level: MessageLevel } | null = null;

  constructor(lang: LangStore) {
    this.lang = lang;
    this.text = el("span", { class: "message-text" });
    this.close = el("button", { type: "button", class: "message-close" }, "×");
    this.close.addEventListener("click", () => this.clear());
    this.element = el("div", { class: "message", "data-testid": "message", role: "status", "aria-live": "polite", hidden: true }, this.text, this.close);
    lang.onChange(() => this.render());
  }

  show(key: MessageKey, params: Params = {}, level: MessageLevel = "info"): void {
    this.current = { key, params, level };
    this.render();
  }

  clear(): void {
    this.current = null;
    this.render();
  }

  private render(): void {
    this.close.title = this.lang.t("message.close");
    this.close.setAttribute("aria-label", this.lang.t("message.close"));
    if (this.current === null) {
      this.element.hidden = true;
      this.text.textContent = "";
      return;
    }
    this.element.hidden = false;
    this.element.dataset["level"] = this.current.level;
    this.text.textContent = this.lang.t(this.current.key, this.current.params);
  }
}
