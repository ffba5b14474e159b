/**
 * Hyperparameter fields built from the model type's own specs (ListModelTypes), so the form
 * offers exactly what the server accepts, with each default as the placeholder; a field left
 * empty takes the type's default.
 */
import { HyperparameterKind, type HyperparameterSpec, type HyperparameterValue } from "@quantis/client/web";

import { choice, field, h } from "./dom.js";

type ValueInit = { value: HyperparameterValue["value"] };

function shown(value: HyperparameterValue | undefined): string {
  return value === undefined || value.value.case === undefined ? "" : String(value.value.value);
}

export function hyperparameterFields(specs: HyperparameterSpec[]): HTMLElement[] {
  return specs.map((spec) => {
    const name = `hp.${spec.name}`;
    const fallback = shown(spec.defaultValue);
    let control: HTMLInputElement | HTMLSelectElement;
    if (spec.kind === HyperparameterKind.CATEGORICAL) {
      control = choice(name, [["", `default (${fallback})`], ...spec.choices.map((c): [string, string] => [c, c])]);
    } else if (spec.kind === HyperparameterKind.BOOL) {
      control = choice(name, [["", `default (${fallback})`], ["true", "true"], ["false", "false"]]);
    } else {
      const range = [shown(spec.minValue), shown(spec.maxValue)].filter(Boolean).join(" to ");
      control = h("input", { name, type: "number", step: spec.kind === HyperparameterKind.INT ? 1 : "any", placeholder: fallback, title: range });
    }
    return field(spec.name, h("span", { class: "hyperparameter", title: spec.description }, control));
  });
}

/** The values a person filled in, as CreateModelRequest.hyperparameters. */
export function hyperparameterValues(form: HTMLFormElement, specs: HyperparameterSpec[]): Record<string, ValueInit> {
  const values: Record<string, ValueInit> = {};
  for (const spec of specs) {
    const control = form.elements.namedItem(`hp.${spec.name}`) as HTMLInputElement | HTMLSelectElement | null;
    const text = control?.value.trim() ?? "";
    if (text === "") continue;
    switch (spec.kind) {
      case HyperparameterKind.INT:
        values[spec.name] = { value: { case: "intValue", value: BigInt(text) } };
        break;
      case HyperparameterKind.FLOAT:
        values[spec.name] = { value: { case: "doubleValue", value: Number(text) } };
        break;
      case HyperparameterKind.BOOL:
        values[spec.name] = { value: { case: "boolValue", value: text === "true" } };
        break;
      default:
        values[spec.name] = { value: { case: "stringValue", value: text } };
    }
  }
  return values;
}
