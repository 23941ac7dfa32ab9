// The chosen language: read from ?lang= / localStorage, applied to <html lang>,
// kept in localStorage and in the URL when the user switches.

import { type Lang, type MessageKey, type Params, otherLang, resolveLang, translate } from "../i18n";

const STORAGE_KEY = "twin.viewer.lang";

function readStored(): string | null {
  try {
    return window.localStorage.getItem(STORAGE_KEY);
  } catch {
    return null; // storage disabled (private mode, sandboxed frame)
  }
}

function store(lang: Lang): void {
  try {
    window.localStorage.setItem(STORAGE_KEY, lang);
  } catch {
    // the choice still holds for this page and its URL
  }
}

export class LangStore {
  private current: Lang;
  private readonly listeners: Array<(lang: Lang) => void> = [];

  constructor() {
    this.current = resolveLang(window.location.search, readStored());
    document.documentElement.lang = this.current;
  }

  get lang(): Lang {
    return this.current;
  }

  t(key: MessageKey, params: Params = {}): string {
    return translate(this.current, key, params);
  }

  onChange(listener: (lang: Lang) => void): void {
    this.listeners.push(listener);
  }

  toggle(): void {
    this.set(otherLang(this.current));
  }

  set(lang: Lang): void {
    if (lang === this.current) {
      return;
    }
    this.current = lang;
    document.documentElement.lang = lang;
    store(lang);
    const url = new URL(window.location.href);
    url.searchParams.set("lang", lang);
    window.history.replaceState(window.history.state, "", url);
    for (const listener of this.listeners) {
      listener(lang);
    }
  }
}
