/**
 * Forecast: pick a deployed model, take a series from its dataset or type one in, and see the
 * history, the forecast and its interval on one chart, with the numbers below it.
 */
import type { Forecast, Model } from "@quantis/client/web";

import { drawForecast } from "../chart.js";
import { choice, field, fill, h, table } from "../dom.js";
import { day, fromDate, number } from "../format.js";
import { datasetSeries, type HistorySeries } from "../history.js";
import { act, Status, type PageContext } from "../page.js";
import { allPages } from "../paging.js";

const TYPED = "";

function median(point: Forecast["points"][number]): number {
  return point.quantiles.find((q) => q.quantile === 0.5)?.value ?? point.mean;
}

export function forecastPage({ client, signal, params }: PageContext): HTMLElement {
  const model = choice("model", []);
  const series = choice("series", []);
  const values = h("textarea", { name: "values", rows: 3, placeholder: "112, 118, 132, 129, …" });
  const valuesField = field("Values (oldest first)", values);
  const horizon = h("input", { name: "horizon", type: "number", min: 1 });
  const submit = h("button", { type: "submit" }, "Forecast");
  const chart = h("figure", { id: "forecast-chart" });
  const numbers = h("div", { class: "forecast-numbers" });
  const status = new Status();
  let models: Model[] = [];
  let history: HistorySeries[] = [];

  async function chooseModel(): Promise<void> {
    const chosen = models.find((m) => m.modelId === model.value);
    if (chosen === undefined) return;
    horizon.value = String(chosen.horizon);
    history = await datasetSeries(client, chosen.datasetId, chosen.targetColumn, signal).catch(() => []);
    fill(
      series,
      ...history.map((s) => h("option", { value: s.seriesId }, `${s.seriesId} (${s.values.length} points)`)),
      h("option", { value: TYPED }, "values typed in"),
    );
    valuesField.hidden = history.length > 0;
  }
  model.addEventListener("change", () => void chooseModel().catch((error) => status.failed(error)));
  series.addEventListener("change", () => (valuesField.hidden = series.value !== TYPED));

  void (async () => {
    const listed = await allPages(async (pageToken) => {
      const answer = await client.models.listModels({ pageSize: 100, pageToken });
      return { items: answer.models, nextPageToken: answer.nextPageToken };
    });
    models = listed.filter((m) => (m.deployment?.splits.length ?? 0) > 0);
    if (models.length === 0) {
      status.done("No model is deployed yet: train one and deploy a version on the Models page.");
      return;
    }
    const wanted = params.get("model");
    fill(model, ...models.map((m) => h("option", { value: m.modelId, selected: m.modelId === wanted }, m.name)));
    await chooseModel();
  })().catch((error) => status.failed(error));

  async function forecast(): Promise<void> {
    const picked = history.find((s) => s.seriesId === series.value);
    const observed = picked?.values ?? values.value.split(/[\s,;]+/).filter(Boolean).map(Number);
    const first = picked?.times[0];
    const start = first !== undefined && !Number.isNaN(first.getTime()) ? fromDate(first) : undefined;
    status.busy("Forecasting…");
    const answer = await client.predictions.predict({
      modelId: model.value,
      series: {
        seriesId: picked?.seriesId ?? "typed",
        values: observed,
        start,
      },
      horizon: Number(horizon.value) || 0,
    });
    const points = answer.forecast?.points ?? [];
    const levels = points[0]?.quantiles.map((q) => q.quantile) ?? [];
    const lowest = (p: (typeof points)[number]): number => p.quantiles[0]?.value ?? p.mean;
    const highest = (p: (typeof points)[number]): number => p.quantiles[p.quantiles.length - 1]?.value ?? p.mean;
    const percent = (q: number | undefined): string => `${Math.round((q ?? 0) * 100)}%`;
    fill(
      chart,
      drawForecast({
        history: observed,
        forecast: points.map(median),
        lower: points.map(lowest),
        upper: points.map(highest),
        bandLabel: `${percent(levels[0])}–${percent(levels[levels.length - 1])}`,
        firstLabel: day(start),
        lastLabel: day(points[points.length - 1]?.timestamp),
      }),
      h("figcaption", {}, `Version ${answer.versionId.slice(0, 8)} · ${points.length} steps`),
    );
    fill(
      numbers,
      table(
        ["Step", "Date", "Mean", ...levels.map((q) => `q${percent(q)}`)],
        points.map((p) => [p.step, day(p.timestamp), number(p.mean), ...p.quantiles.map((q) => number(q.value))]),
      ),
    );
    status.done(`Forecast of ${points.length} steps ready.`);
  }

  return h(
    "section",
    {},
    h("h2", {}, "Forecast"),
    h(
      "form",
      {
        class: "forecast",
        onsubmit: (event: Event) => {
          event.preventDefault();
          void act(submit, status, forecast);
        },
      },
      field("Model", model),
      field("Series", series),
      valuesField,
      field("Horizon", horizon),
      submit,
    ),
    status.element,
    chart,
    numbers,
  );
}
