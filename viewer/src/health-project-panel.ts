// The project progress panel of the normal viewer (远程填报): the list of
// renewal projects, one project's stage, percent and history, and the form a
// district user fills in to report progress (stage, percent, note, a photo)
// with their access token. DOM only; health-projects.ts drives it.

import type { Project } from "./health-api";
import { knownStageLabel, stageOptions } from "./health-format";
import { type HealthKey, healthText, stageText } from "./health-i18n";
import type { HistoryEntry } from "./health-write";
import type { Lang } from "./i18n";
import { el, replaceChildren } from "./ui/dom";

export interface ProjectPanelActions {
  close(): void;
  select(id: string): void;
  submit(fields: { stage: string; percent: string; note: string; photo: File | null; token: string }): void;
  forgetToken(): void;
}

export type FormNote = { readonly key: HealthKey; readonly params?: Readonly<Record<string, string>>; readonly error: boolean } | null;

function row(label: string, value: string, testid?: string): HTMLElement {
  return el("div", { class: "project-row" }, el("dt", {}, label), el("dd", testid === undefined ? {} : { "data-testid": testid }, value));
}

export class ProjectPanel {
  readonly element: HTMLElement;
  private readonly heading = el("h2", { class: "panel-title" });
  private readonly closeButton = el("button", { type: "button", class: "button button-small", "data-testid": "project-close" });
  private readonly list = el("ul", { class: "project-list", "data-testid": "project-list" });
  private readonly detail = el("div", { class: "project-detail", "data-testid": "project-detail" });
  private readonly actions: ProjectPanelActions;
  private edited = false;

  constructor(actions: ProjectPanelActions) {
    this.actions = actions;
    this.closeButton.addEventListener("click", () => actions.close());
    this.element = el(
      "section",
      { class: "panel project-panel", "data-testid": "project-panel", hidden: true },
      el("header", { class: "panel-header" }, this.heading, this.closeButton),
      this.list,
      this.detail,
    );
  }

  set open(value: boolean) {
    this.element.hidden = !value;
  }

  /** Whether the user has typed or chosen something in the progress form since it was drawn. */
  get editing(): boolean {
    return this.edited;
  }

  renderList(lang: Lang, projects: readonly Project[], selected: string | null): void {
    this.heading.textContent = healthText(lang, "project.heading");
    this.closeButton.textContent = healthText(lang, "project.close");
    if (projects.length === 0) {
      replaceChildren(this.list, el("li", { class: "hint" }, healthText(lang, "project.listEmpty")));
      return;
    }
    replaceChildren(
      this.list,
      ...projects.map((p) => {
        const button = el(
          "button",
          { type: "button", class: "project-item", "data-testid": `project-item-${p.id}`, "aria-pressed": String(p.id === selected) },
          el("span", {}, p.name),
          el("span", { class: "project-item-stage" }, `${stageText(lang, p.stageLabel)} · ${p.percent}%`),
        );
        button.addEventListener("click", () => this.actions.select(p.id));
        return el("li", {}, button);
      }),
    );
  }

  renderLoading(lang: Lang): void {
    replaceChildren(this.detail, el("p", { class: "hint" }, healthText(lang, "project.loading")));
  }

  renderFailed(lang: Lang, reason: string): void {
    replaceChildren(this.detail, el("p", { class: "error-text" }, `${healthText(lang, "project.loadFailed")} ${reason}`));
  }

  renderProject(
    lang: Lang,
    project: Project,
    history: readonly HistoryEntry[] | null,
    seenStages: Iterable<string>,
    token: string | null,
    note: FormNote,
    busy: boolean,
  ): void {
    const stage = stageText(lang, project.stageLabel);
    const badges = [
      project.overdue ? el("span", { class: "badge badge-red", "data-testid": "project-overdue" }, healthText(lang, "project.overdue")) : null,
      project.idle ? el("span", { class: "badge badge-grey", "data-testid": "project-idle" }, healthText(lang, "project.idle")) : null,
    ];
    const since = project.stageStarted === null ? "" : ` (${healthText(lang, "project.stageSince", { date: project.stageStarted })})`;
    const due = project.stageDue === null ? "" : ` · ${healthText(lang, "project.stageDue", { date: project.stageDue })}`;
    const facts = el(
      "dl",
      { class: "project-facts" },
      row(healthText(lang, "project.stage"), `${stage}${since}${due}`, "project-stage"),
      row(healthText(lang, "project.percent"), `${project.percent}%`, "project-percent"),
      row(healthText(lang, "project.district"), project.district),
      row(healthText(lang, "project.department"), project.department),
      project.budget === null ? null : row(healthText(lang, "project.budget"), new Intl.NumberFormat(lang).format(project.budget)),
      project.startDate === null ? null : row(healthText(lang, "project.start"), project.startDate),
      project.agreedStartDate === null ? null : row(healthText(lang, "project.agreedStart"), project.agreedStartDate),
    );
    const bar = el("div", { class: "project-bar" }, el("div", { class: "project-bar-fill", style: `width:${project.percent}%` }));
    replaceChildren(
      this.detail,
      el("h3", { class: "project-name", "data-testid": "project-name" }, project.name, ...badges),
      bar,
      facts,
      this.historyList(lang, history),
      this.form(lang, project, seenStages, token, note, busy),
    );
  }

  private historyList(lang: Lang, history: readonly HistoryEntry[] | null): HTMLElement {
    const heading = el("h4", {}, healthText(lang, "project.history"));
    if (history === null) {
      return el("div", {}, heading, el("p", { class: "hint" }, healthText(lang, "project.loading")));
    }
    if (history.length === 0) {
      return el("div", {}, heading, el("p", { class: "hint" }, healthText(lang, "project.historyEmpty")));
    }
    const items = history.map((h) =>
      el(
        "li",
        {},
        el("span", { class: "project-history-when" }, healthText(lang, "project.historyEntry", { at: h.at.replace("T", " ").slice(0, 16), actor: h.actor })),
        el("span", {}, [h.stage ?? "", h.percent === null ? "" : `${h.percent}%`, h.note].filter((s) => s !== "").join(" · ")),
        ...h.photos.map((url) => el("a", { href: url, target: "_blank", rel: "noopener" }, "📷")),
      ),
    );
    return el("div", {}, heading, el("ul", { class: "project-history", "data-testid": "project-history" }, ...items));
  }

  private form(lang: Lang, project: Project, seenStages: Iterable<string>, token: string | null, note: FormNote, busy: boolean): HTMLElement {
    const stages = stageOptions([...seenStages, project.stage]);
    const stage = el("select", { name: "stage", "data-testid": "progress-stage" });
    for (const key of stages) {
      const option = el("option", { value: key }, key === project.stage ? stageText(lang, project.stageLabel) : (knownStageLabel(key, lang) ?? key));
      option.selected = key === project.stage;
      stage.append(option);
    }
    const percent = el("input", { type: "number", name: "percent", min: 0, max: 100, step: 1, value: project.percent, "data-testid": "progress-percent" });
    const text = el("textarea", { name: "note", rows: 2, "data-testid": "progress-note" });
    const photo = el("input", { type: "file", name: "photo", accept: "image/*", "data-testid": "progress-photo" });
    const tokenInput = el("input", { type: "password", name: "token", autocomplete: "off", "data-testid": "progress-token" });
    const submit = el("button", { type: "submit", class: "button", "data-testid": "progress-submit", disabled: busy }, healthText(lang, busy ? "project.submitting" : "project.submit"));
    const label = (key: HealthKey, input: HTMLElement): HTMLElement => el("label", { class: "field" }, el("span", {}, healthText(lang, key)), input);
    const tokenPart =
      token === null
        ? el("div", {}, label("project.token", tokenInput), el("p", { class: "hint" }, healthText(lang, "project.tokenHint")))
        : (() => {
            const forget = el("button", { type: "button", class: "button button-small", "data-testid": "progress-forget" }, healthText(lang, "project.tokenForget"));
            forget.addEventListener("click", () => this.actions.forgetToken());
            return el("p", { class: "hint" }, forget);
          })();
    const message =
      note === null
        ? null
        : el("p", { class: note.error ? "error-text" : "hint", role: "status", "data-testid": "progress-message" }, healthText(lang, note.key, note.params ?? {}));
    const form = el(
      "form",
      { class: "project-form", "data-testid": "progress-form" },
      el("h4", {}, healthText(lang, "project.report")),
      label("project.stage", stage),
      label("project.percent", percent),
      label("project.note", text),
      label("project.photo", photo),
      tokenPart,
      submit,
      message,
    );
    this.edited = false;
    form.addEventListener("input", () => {
      this.edited = true;
    });
    form.addEventListener("change", () => {
      this.edited = true;
    });
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.actions.submit({
        stage: stage.value,
        percent: percent.value,
        note: text.value,
        photo: photo.files?.[0] ?? null,
        token: token ?? tokenInput.value,
      });
    });
    return form;
  }
}
