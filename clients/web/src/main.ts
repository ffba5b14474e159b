/**
 * The dashboard's shell: the navigation, a hash router, and the login gate.
 *
 * Routes are `#/<page>?<params>`, so the static server needs no rewrite rules and a reload or a
 * shared link lands on the same page. Leaving a page aborts its signal, which closes the
 * server streams it opened (training progress, live events) instead of leaking them.
 */
import { datasetsPage } from "./pages/datasets.js";
import { forecastPage } from "./pages/forecast.js";
import { loginPage } from "./pages/login.js";
import { modelsPage } from "./pages/models.js";
import { monitoringPage } from "./pages/monitoring.js";
import { h, fill } from "./dom.js";
import type { Page } from "./page.js";
import { connect, signedIn, signOut } from "./session.js";

const PAGES: Record<string, [string, Page]> = {
  datasets: ["Datasets", datasetsPage],
  models: ["Models", modelsPage],
  forecast: ["Forecast", forecastPage],
  monitoring: ["Monitoring", monitoringPage],
};

/** Why the session ended on its own, shown once on the login page it leads to. */
let notice: string | undefined;
const client = connect((reason) => {
  notice = reason;
  render();
});
const nav = h("nav");
const user = h("span", { class: "user" });
const view = h("main");
document.body.append(h("header", {}, h("h1", {}, "Quantis"), nav), view);
let leaving = new AbortController();

/** Goes to a route, rendering it again when it is the current one (after logging in). */
function navigate(route: string): void {
  if (location.hash === `#/${route}`) render();
  else location.hash = `#/${route}`;
}

function render(): void {
  leaving.abort();
  leaving = new AbortController();
  const [name = "", query = ""] = location.hash.replace(/^#\/?/, "").split("?");
  const params = new URLSearchParams(query);
  const context = { client, signal: leaving.signal, params, navigate };
  if (!signedIn(client)) {
    // Back to where the person was once logged in again (the session may have ended mid-page).
    if (name in PAGES && !params.has("next")) params.set("next", query ? `${name}?${query}` : name);
    fill(nav);
    fill(user);
    fill(view, loginPage({ ...context, notice }));
    notice = undefined;
    return;
  }
  if (user.textContent === "") {
    client.auth.getCurrentUser({}).then(
      ({ user: me }) => fill(user, me?.username ?? ""),
      () => undefined,
    );
  }
  const route = name in PAGES ? name : "datasets";
  const logout = h("button", { type: "button", class: "link", onclick: () => void signOut(client).then(render) }, "Log out");
  fill(
    nav,
    ...Object.entries(PAGES).map(([key, [title]]) =>
      h("a", { href: `#/${key}`, class: key === route ? "active" : undefined }, title),
    ),
    user,
    logout,
  );
  document.title = `${PAGES[route][0]} · Quantis`;
  fill(view, PAGES[route][1](context));
}

window.addEventListener("hashchange", render);
render();
