/**
 * Login, with the TOTP step when the account has MFA: the first submit answers MfaRequired,
 * the form then asks for the code, and the next submit sends password and code together.
 */
import { MfaRequired } from "@quantis/client/web";

import { field, h } from "../dom.js";
import { Status, type PageContext } from "../page.js";

export function loginPage({ client, params, navigate, notice }: PageContext): HTMLElement {
  const username = h("input", { name: "username", autocomplete: "username", required: true });
  const password = h("input", { name: "password", type: "password", autocomplete: "current-password", required: true });
  const code = h("input", { name: "totp", inputmode: "numeric", autocomplete: "one-time-code", pattern: "[0-9]{6}" });
  const codeField = field("MFA code", code);
  codeField.hidden = true;
  const submit = h("button", { type: "submit" }, "Log in");
  const status = new Status();
  if (notice !== undefined) status.failed(new Error(`Your session has ended (${notice}): log in again.`));

  async function logIn(event: Event): Promise<void> {
    event.preventDefault();
    submit.disabled = true;
    status.busy("Logging in…");
    try {
      await client.login(username.value, password.value, codeField.hidden ? undefined : code.value);
      navigate(params.get("next") ?? "datasets");
    } catch (error) {
      if (error instanceof MfaRequired) {
        codeField.hidden = false;
        code.required = true;
        code.focus();
        status.done("This account has MFA: enter the code from your authenticator app.");
      } else {
        status.failed(error);
      }
    } finally {
      submit.disabled = false;
    }
  }

  return h(
    "section",
    { class: "login" },
    h("h2", {}, "Log in"),
    h("form", { onsubmit: (event: Event) => void logIn(event) }, field("Username", username), field("Password", password), codeField, submit),
    status.element,
  );
}
