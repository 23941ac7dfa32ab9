// Remote progress reporting in the normal viewer: the "项目进度" button shows
// the renewal projects on the map (markers coloured by stage, overdue ones
// ringed) and the project panel; clicking a project's marker or its entry opens
// its stage, percent and history, and the form POSTs a progress report (and a
// photo) with the district user's token. While the panel is open it follows the
// projects channel of api/overlays/ws: another user's report shows at once.

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
import { Coalesced } from "./coalesce";
import { FeedCursor, LiveFeed, browserSocket, browserTimers } from "./overlay-live";
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
  private readonly feed: LiveFeed;
  /** Whether the next live re-read also reads the open project again. */
  private liveSelected = false;
  private readonly liveReload = new Coalesced(async () => {
    const selected = this.liveSelected;
    this.liveSelected = false;
    await this.reloadList(true);
    if (selected) {
      await this.refreshSelected();
    }
  }, () => this.isOpen);

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
    this.feed = new LiveFeed({
      pageUrl: window.location.href,
      cursor: new FeedCursor(),
      open: browserSocket,
      timers: browserTimers,
      channels: ["projects"],
      events: {
        event: (event) => this.changedLive(event.id === this.selected?.id),
        resync: () => this.changedLive(true),
        status: () => undefined,
      },
    });
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
    this.feed.stop();
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
    this.feed.start();
    await this.reloadList();
  }

  /** A project changed elsewhere: the list is read again, and the open project if it was it. */
  private changedLive(selectedToo: boolean): void {
    this.liveSelected ||= selectedToo;
    void this.liveReload.run();
  }

  /** Reads the open project and its history again, keeping the form's note. */
  private async refreshSelected(): Promise<void> {
    const id = this.selected?.id;
    if (id === undefined || this.busy) {
      return;
    }
    const token = this.lookup;
    try {
      const [project, history] = await Promise.all([fetchProject(id), fetchHistory(id)]);
      if (token === this.lookup && this.selected?.id === id) {
        this.selected = project;
        this.history = history;
        this.render(true);
      }
    } catch {
      // deleted meanwhile, or the server is away: the list says what there is
    }
  }

  /** Reads the projects again; `live`: a change from elsewhere, so a form being filled in stays. */
  private async reloadList(live = false): Promise<void> {
    try {
      this.projects = await fetchProjects();
    } catch (error) {
      if (!live) {
        this.panel.renderFailed(this.lang.lang, failureReason(error));
      }
      return;
    }
    this.overlays.update([], this.projects);
    this.redraw();
    this.render(live);
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

  /** `live`: the open project is redrawn only if its form is untouched (nothing typed is lost). */
  private render(live = false): void {
    const lang = this.lang.lang;
    this.panel.renderList(lang, this.projects, this.selected?.id ?? null);
    if (this.selected !== null && !(live && this.panel.editing)) {
      const seen = this.projects.map((p) => p.stage);
      this.panel.renderProject(lang, this.selected, this.history, seen, readToken(), this.note, this.busy);
    }
  }
}
