/**
 * Monitoring: the system's health by component, alerts (acknowledge them here), notifications,
 * and a live feed from WatchEvents, the server stream that replaces a WebSocket. Nothing is
 * replayed on that stream. Its first message, a heartbeat, says it is subscribed: the lists are
 * read then, so that nothing falls between them and the feed, and again whenever the stream comes
 * back after an interruption, for what it missed. A stream that cannot start does not keep the
 * lists from being read.
 */
import {
  AlertSeverity,
  AlertState,
  ComponentKind,
  HealthStatus,
  TrainingJobEventState,
  type Alert,
  type Event as QuantisEvent,
  type Notification,
} from "@quantis/client/web";

import { fill, h, table } from "../dom.js";
import { dateTime, describeError, enumName, fromDate } from "../format.js";
import { act, Status, type PageContext } from "../page.js";
import { pagedTable, TABLE_PAGE_SIZE, type ListPage } from "../paging.js";
import { keepOpen } from "../reconnect.js";

function describeEvent(event: QuantisEvent): string | undefined {
  const payload = event.payload;
  switch (payload.case) {
    case "notification":
      return `Notification: ${payload.value.title}. ${payload.value.body}`;
    case "alert":
      return `Alert ${enumName(AlertState, payload.value.state).toLowerCase()}: ${payload.value.title}`;
    case "trainingJob":
      return `Training job ${payload.value.jobId.slice(0, 8)} ${enumName(TrainingJobEventState, payload.value.state).toLowerCase()}. ${payload.value.message}`;
    default:
      return undefined;
  }
}

export function monitoringPage({ client, signal }: PageContext): HTMLElement {
  const health = h("div", { id: "health" });
  const alerts = h("div", { id: "alerts" });
  const notifications = h("div", { id: "notifications" });
  const feed = h("ul", { id: "live-events", class: "feed" });
  const liveness = h("p", { class: "liveness", "data-live": "false" }, "Listening for live events…");
  const status = new Status();

  async function showHealth(): Promise<void> {
    const answer = await client.monitoring.getSystemHealth({});
    const overall = enumName(HealthStatus, answer.status);
    fill(
      health,
      h("p", { class: `health ${overall.toLowerCase()}`, "data-health": overall }, `System ${overall.toLowerCase().replace("_", " ")}`),
      table(
        ["Component", "Kind", "Status", "Detail"],
        answer.components.map((c) => [
          c.name,
          enumName(ComponentKind, c.kind).toLowerCase().replace(/_/g, " "),
          enumName(HealthStatus, c.status).toLowerCase(),
          c.message,
        ]),
      ),
    );
  }

  function alertRow(a: Alert): Parameters<typeof table>[1][number] {
    const acknowledge = h("button", { type: "button" }, "Acknowledge");
    acknowledge.disabled = a.state !== AlertState.OPEN;
    acknowledge.addEventListener("click", () =>
      void act(acknowledge, status, async () => {
        await client.monitoring.acknowledgeAlert({ alertId: a.alertId });
        await showAlerts();
      }),
    );
    return [
      enumName(AlertSeverity, a.severity).toLowerCase(),
      enumName(AlertState, a.state).toLowerCase(),
      h("span", { title: a.message }, a.title),
      dateTime(a.createTime),
      acknowledge,
    ];
  }

  async function showAlerts(): Promise<void> {
    const load = async (pageToken: string): Promise<ListPage<Alert>> => {
      const answer = await client.monitoring.listAlerts({ pageSize: TABLE_PAGE_SIZE, pageToken });
      return { items: answer.alerts, nextPageToken: answer.nextPageToken };
    };
    const first = await load("");
    fill(
      alerts,
      first.items.length === 0
        ? h("p", {}, "No alerts.")
        : pagedTable(["Severity", "State", "Title", "Since", ""], first, alertRow, load, status, { class: "alerts" }),
    );
  }

  async function showNotifications(): Promise<void> {
    const read = (pageToken: string) => client.monitoring.listNotifications({ pageSize: TABLE_PAGE_SIZE, pageToken });
    const asPage = (answer: Awaited<ReturnType<typeof read>>): ListPage<Notification> => ({
      items: answer.notifications,
      nextPageToken: answer.nextPageToken,
    });
    const load = async (pageToken: string) => asPage(await read(pageToken));
    const first = await read("");
    fill(
      notifications,
      h("p", {}, `${first.unreadCount} unread`),
      pagedTable(
        ["When", "Title", "Detail"],
        asPage(first),
        (n) => [dateTime(n.createTime), n.read ? n.title : h("strong", {}, n.title), n.body],
        load,
        status,
        { class: "notifications" },
      ),
    );
  }

  // What the status line says while it reports lists that could not be read, until they are read.
  let unread: string | null = null;

  /** Reads lists (again); a failure is the status line's, never the stream's. Once they are read,
   * the line no longer reports the failure, so that it does not outlast an outage that is over. */
  function refresh(...lists: (() => Promise<void>)[]): void {
    Promise.all(lists.map((show) => show())).then(
      () => {
        if (unread !== null && status.element.textContent === unread) status.clear();
        unread = null;
      },
      (error) => {
        status.failed(error);
        unread = status.element.textContent;
      },
    );
  }

  function hear(event: QuantisEvent): void {
    liveness.dataset["live"] = "true";
    liveness.title = "";
    liveness.textContent = `Live: last heard from the server at ${dateTime(event.createTime)}`;
    const text = describeEvent(event);
    if (text !== undefined) feed.prepend(h("li", {}, `${dateTime(event.createTime)} ${text}`));
  }

  /** Says when the next attempt is; why the last one ended is in the line's tooltip. */
  function interrupted(error: unknown, at: Date): void {
    const seconds = Math.max(1, Math.round((at.getTime() - Date.now()) / 1000));
    liveness.dataset["live"] = "false";
    liveness.title = error === undefined ? "The server ended the stream." : describeError(error);
    liveness.textContent = `Live events interrupted: reconnecting in ${seconds} s, at ${dateTime(fromDate(at)).slice(11)}…`;
  }

  let subscribed = false; // the stream has said so: what happens from then on reaches it
  let listed = false; // the lists were read, or tried, before the stream could start
  /** The lists now, if the stream has not started and they have not been read: it may be a while. */
  function listAnyway(): void {
    if (subscribed || listed) return;
    listed = true;
    refresh(showAlerts, showNotifications);
  }

  refresh(showHealth);
  keepOpen(
    {
      open: (attempt) => client.monitoring.watchEvents({}, { signal: attempt }),
      message: ({ event }, resumed) => {
        if (event !== undefined) hear(event);
        // Back after an interruption: what happened meanwhile is only in the lists (and the
        // health may have changed).
        if (resumed) refresh(showHealth, showAlerts, showNotifications);
        else if (!subscribed) refresh(showAlerts, showNotifications);
        else if (event?.payload.case === "alert") refresh(showAlerts);
        else if (event?.payload.case === "notification") refresh(showNotifications);
        subscribed = true;
      },
      interrupted: (error, at) => {
        listAnyway();
        interrupted(error, at);
      },
      reopening: () => {
        liveness.textContent = "Reconnecting to live events…";
      },
    },
    signal,
  ).catch((error) => {
    liveness.dataset["live"] = "false";
    liveness.textContent = "Live events stopped.";
    status.failed(error);
    listAnyway();
  });

  return h(
    "section",
    {},
    h("h2", {}, "Monitoring"),
    status.element,
    h("h3", {}, "Health"),
    health,
    h("h3", {}, "Alerts"),
    alerts,
    h("h3", {}, "Notifications"),
    notifications,
    h("h3", {}, "Live events"),
    liveness,
    feed,
  );
}
