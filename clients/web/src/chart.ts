/**
 * The forecast chart, drawn as SVG by hand: a history line, the forecast line, and the band
 * between the lowest and highest quantile. Three paths need no chart library, and SVG keeps
 * them crisp at any size and inspectable (each path has a class the test looks for).
 */
const SVG = "http://www.w3.org/2000/svg";
const WIDTH = 900;
const HEIGHT = 360;
const PAD = { left: 56, right: 16, top: 16, bottom: 32 };

export interface ForecastChart {
  history: number[];
  /** The point forecast, one per step after the history. */
  forecast: number[];
  lower: number[];
  upper: number[];
  /** Label of the band, such as "10%–90%". */
  bandLabel: string;
  /** Labels of the first and last position (dates), when known. */
  firstLabel?: string;
  lastLabel?: string;
}

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attributes: Record<string, string | number>): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  return element;
}

export function drawForecast(chart: ForecastChart): SVGSVGElement {
  const total = chart.history.length + chart.forecast.length;
  const all = [...chart.history, ...chart.forecast, ...chart.lower, ...chart.upper].filter(Number.isFinite);
  const low = Math.min(...all);
  const high = Math.max(...all);
  const span = high - low || 1;
  const x = (i: number): number => PAD.left + (i / Math.max(total - 1, 1)) * (WIDTH - PAD.left - PAD.right);
  const y = (v: number): number => PAD.top + (1 - (v - low) / span) * (HEIGHT - PAD.top - PAD.bottom);
  const line = (values: number[], start: number): string =>
    values.map((v, i) => `${i === 0 ? "M" : "L"}${x(start + i).toFixed(1)},${y(v).toFixed(1)}`).join("");

  const start = chart.history.length;
  // The forecast line starts at the last observation, so the two lines join.
  const joined = chart.history.length > 0 ? [chart.history[chart.history.length - 1], ...chart.forecast] : chart.forecast;
  const joinedStart = chart.history.length > 0 ? start - 1 : start;
  const band =
    line(chart.upper, start) +
    chart.lower
      .map((v, i) => ({ v, i }))
      .reverse()
      .map(({ v, i }) => `L${x(start + i).toFixed(1)},${y(v).toFixed(1)}`)
      .join("") +
    "Z";

  const root = svg("svg", { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, class: "chart", role: "img" });
  root.append(
    svg("rect", { x: 0, y: 0, width: WIDTH, height: HEIGHT, class: "background" }),
    svg("line", { x1: PAD.left, y1: HEIGHT - PAD.bottom, x2: WIDTH - PAD.right, y2: HEIGHT - PAD.bottom, class: "axis" }),
    svg("line", { x1: PAD.left, y1: PAD.top, x2: PAD.left, y2: HEIGHT - PAD.bottom, class: "axis" }),
    svg("path", { d: band, class: "band" }),
    svg("path", { d: line(chart.history, 0), class: "history" }),
    svg("path", { d: line(joined, joinedStart), class: "forecast", "data-points": chart.forecast.length }),
  );
  const labels: [number, number, string, string][] = [
    [PAD.left - 6, y(high) + 4, high.toFixed(0), "end"],
    [PAD.left - 6, y(low), low.toFixed(0), "end"],
    [PAD.left, HEIGHT - 10, chart.firstLabel ?? "", "start"],
    [WIDTH - PAD.right, HEIGHT - 10, chart.lastLabel ?? "", "end"],
    [WIDTH - PAD.right, PAD.top + 12, `history · forecast · ${chart.bandLabel} interval`, "end"],
  ];
  for (const [lx, ly, text, anchor] of labels) {
    const label = svg("text", { x: lx, y: ly, "text-anchor": anchor, class: "label" });
    label.textContent = text;
    root.append(label);
  }
  return root;
}
