/**
 * Monitoring: the system's health by component, alerts (acknowledge them here), notifications,
 * and a live feed from WatchEvents, the server stream that replaces a WebSocket. Nothing is
 * replayed on that stream, so the lists are read first and the feed adds what happens after.
 */
import {
  AlertSeverity,
  AlertState,
  ComponentKind,
  HealthStatus,
  TrainingJobEventState,
  type Event as QuantisEvent,
} from "@quantis/client/web";

import { fill, h, table } from "../dom.js";
import { dateTime, enumName } from "../format.js";
import { act, Status, type PageContext } from "../page.js";

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

  async function showAlerts(): Promise<void> {
    const { alerts: open } = await client.monitoring.listAlerts({ pageSize: 50 });
    fill(
      alerts,
      open.length === 0
        ? h("p", {}, "No alerts.")
        : table(
            ["Severity", "State", "Title", "Since", ""],
            open.map((a) => {
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
            }),
          ),
    );
  }

  async function showNotifications(): Promise<void> {
    const answer = await client.monitoring.listNotifications({ pageSize: 20 });
    fill(
      notifications,
      h("p", {}, `${answer.unreadCount} unread`),
      table(
        ["When", "Title", "Detail"],
        answer.notifications.map((n) => [dateTime(n.createTime), n.read ? n.title : h("strong", {}, n.title), n.body]),
      ),
    );
  }

  async function listen(): Promise<void> {
    for await (const { event } of client.monitoring.watchEvents({}, { signal })) {
      if (event === undefined) continue;
      liveness.dataset["live"] = "true";
      liveness.textContent = `Live: last heard from the server at ${dateTime(event.createTime)}`;
      const text = describeEvent(event);
      if (text === undefined) continue;
      feed.prepend(h("li", {}, `${dateTime(event.createTime)} ${text}`));
      if (event.payload.case === "alert") await showAlerts();
      if (event.payload.case === "notification") await showNotifications();
    }
  }

  Promise.all([showHealth(), showAlerts(), showNotifications()]).catch((error) => status.failed(error));
  listen().catch((error) => {
    if (!signal.aborted) {
      liveness.dataset["live"] = "false";
      liveness.textContent = "Live events stopped: reload the page to reconnect.";
      status.failed(error);
    }
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
