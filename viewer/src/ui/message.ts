// The message line under the search box (data-testid="message"): one message at
// a time, kept as key + parameters so that it follows a language switch.

import type { MessageKey, Params } from "../i18n";
import { el } from "./dom";
import type { LangStore } from "./lang";

export type MessageLevel = "info" | "error";

/** A translatable text: a dictionary key and its parameters. */
export interface Text {
  readonly key: MessageKey;
  readonly params?: Params;
}

export class MessageBar {
  readonly element: HTMLElement;
  private readonly text: HTMLElement;
  private readonly close: HTMLButtonElement;
  private readonly lang: LangStore;
  private current: { text: Text; level: MessageLevel; detail: Text | null } | null = null;

  constructor(lang: LangStore) {
    this.lang = lang;
    this.text = el("span", { class: "message-text", "data-testid": "message" });
    this.close = el("button", { type: "button", class: "message-close" }, "×");
    this.close.addEventListener("click", () => this.clear());
    this.element = el("div", { class: "message", role: "status", "aria-live": "polite", hidden: true }, this.text, this.close);
    lang.onChange(() => this.render());
  }

  /** Shows `text`, followed by `detail` (e.g. why something failed). */
  show(text: Text, level: MessageLevel = "info", detail: Text | null = null): void {
    this.current = { text, level, detail };
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
    const { text, detail } = this.current;
    const main = this.lang.t(text.key, text.params);
    this.text.textContent = detail === null ? main : `${main} ${this.lang.t(detail.key, detail.params)}`;
  }
}
