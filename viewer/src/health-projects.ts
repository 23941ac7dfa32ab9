// Remote progress reporting in the normal viewer: the "项目进度" button shows
// the renewal projects on the map (markers coloured by stage, overdue ones
// ringed) and the project panel; clicking a project's marker or its entry opens
// its stage, percent and history, and the form POSTs a progress report (and a
// photo) with the district user's token.

import type { Viewer } from "cesium";

import { type Project, fetchProject, fetchProjects } from "./health-api";
import type { HealthKey } from "./health-i18n";
import { HealthOverlays, type PickedItem } from "./health-overlays";
import { type FormNote, ProjectPanel } from "./health-project-panel";
import {
  type HistoryEntry,
  buildReport,
  failureReason,
  fetchHistory,
  postPhoto,
  postProgress,
  readToken,
  storeToken,
} from "./health-write";
import type { LangStore } from "./ui/lang";

export class ProjectsController {
  readonly panel: ProjectPanel;
  private readonly lang: LangStore;
  private readonly overlays: HealthOverlays;
  private readonly changed: (open: boolean) => void;
  private readonly redraw: () => void;
  private projects: Project[] = [];
  private selected: Project | null = null;
  private history: HistoryEntry[] | null = null;
  private note: FormNote = null;
  private busy = false;
  private isOpen = false;
  /** Increases with every project lookup, so that a slow answer cannot replace a newer one. */
  private lookup = 0;

  constructor(viewer: Viewer, lang: LangStore, events: { changed(open: boolean): void; redraw(): void }) {
    this.lang = lang;
    this.changed = events.changed;
    this.redraw = events.redraw;
    this.overlays = new HealthOverlays(viewer);
    this.overlays.shown = false;
    this.panel = new ProjectPanel({
      close: () => this.close(),
      select: (id) => void this.select(id),
      submit: (fields) => void this.submit(fields),
      forgetToken: () => {
        storeToken(null);
        this.render();
      },
    });
    lang.onChange(() => this.render());
  }

  get open(): boolean {
    return this.isOpen;
  }

  /** The project of a picked object, when it is one of the markers drawn here. */
  pickedProject(picked: unknown): PickedItem | null {
    const item = this.isOpen ? this.overlays.itemOf(picked) : null;
    return item?.kind === "project" ? item : null;
  }

  toggle(): void {
    if (this.isOpen) {
      this.close();
    } else {
      void this.show();
    }
  }

  close(): void {
    this.isOpen = false;
    this.panel.open = false;
    this.overlays.shown = false;
    this.changed(false);
    this.redraw();
  }

  async show(): Promise<void> {
    this.isOpen = true;
    this.panel.open = true;
    this.overlays.shown = true;
    this.changed(true);
    await this.reloadList();
  }

  private async reloadList(): Promise<void> {
    try {
      this.projects = await fetchProjects();
    } catch (error) {
      this.panel.renderFailed(this.lang.lang, failureReason(error));
      return;
    }
    this.overlays.update([], this.projects);
    this.redraw();
    this.render();
  }

  async select(id: string): Promise<void> {
    if (!this.isOpen) {
      await this.show();
    }
    const token = ++this.lookup;
    this.note = null;
    this.history = null;
    this.panel.renderLoading(this.lang.lang);
    try {
      const [project, history] = await Promise.all([fetchProject(id), fetchHistory(id)]);
      if (token !== this.lookup) {
        return;
      }
      this.selected = project;
      this.history = history;
    } catch (error) {
      if (token === this.lookup) {
        this.selected = null;
        this.panel.renderFailed(this.lang.lang, failureReason(error));
      }
      return;
    }
    this.render();
  }

  private say(key: HealthKey, error: boolean, reason?: string): void {
    this.note = reason === undefined ? { key, error } : { key, error, params: { reason } };
  }

  private async submit(fields: { stage: string; percent: string; note: string; photo: File | null; token: string }): Promise<void> {
    const project = this.selected;
    if (project === null || this.busy) {
      return;
    }
    const token = fields.token.trim();
    const check = buildReport(project, fields);
    if (token === "") {
      this.say("project.needToken", true);
    } else if (!check.ok && check.problem === "badPercent") {
      this.say("project.badPercent", true);
    } else if (!check.ok && fields.photo === null) {
      this.say("project.nothing", true);
    } else {
      storeToken(token);
      this.busy = true;
      this.note = null;
      this.render();
      try {
        if (check.ok) {
          await postProgress(project.id, check.report, token);
        }
      } catch (error) {
        this.busy = false;
        this.say("project.failed", true, failureReason(error));
        this.render();
        return;
      }
      this.say("project.submitted", false);
      if (fields.photo !== null) {
        try {
          await postPhoto(project.id, fields.photo, fields.photo.name, token);
        } catch (error) {
          this.say("project.photoFailed", true, failureReason(error));
        }
      }
      this.busy = false;
      const note = this.note;
      await this.reloadList();
      await this.select(project.id);
      this.note = note;
    }
    this.render();
  }

  private render(): void {
    const lang = this.lang.lang;
    this.panel.renderList(lang, this.projects, this.selected?.id ?? null);
    if (this.selected !== null) {
      const seen = this.projects.map((p) => p.stage);
      this.panel.renderProject(lang, this.selected, this.history, seen, readToken(), this.note, this.busy);
    }
  }
}
