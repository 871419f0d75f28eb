import type { EmulatorResponse } from '../http/types.js';
import { escapeHtml } from './responses.js';

/**
 * The HTML the emulator shows a person in the browser: the login page, the "Allow Access?" page and
 * the device flow's code entry page. Salesforce's own pages look different; what matters for clients
 * is the sequence (login, consent, redirect) and the form fields a test drives.
 */

/** Scope labels as the connected app's OAuth settings and the consent page word them. */
const SCOPE_LABELS: Readonly<Record<string, string>> = {
  api: 'Manage user data via APIs (api)',
  refresh_token: 'Perform requests at any time (refresh_token, offline_access)',
  offline_access: 'Perform requests at any time (refresh_token, offline_access)',
  id: 'Access the identity URL service (id, profile, email, address, phone)',
  openid: 'Access unique user identifiers (openid)',
  full: 'Full access (full)',
  web: 'Manage user data via Web browsers (web)',
};

/** Salesforce's wording for any failed login, whatever the cause (wrong password, unknown, frozen). */
export const LOGIN_FAILED_MESSAGE =
  "Please check your username and password. If you still can't log in, contact your Salesforce administrator.";

export function loginPage(
  requestId: string,
  options: { error?: string; username?: string } = {},
): EmulatorResponse {
  return page(
    'Login | Salesforce',
    `<h1>Log in to Salesforce</h1>
${options.error !== undefined ? `<p id="error" role="alert">${escapeHtml(options.error)}</p>` : ''}
<form method="POST" action="/services/oauth2/login">
  <input type="hidden" name="request_id" value="${escapeHtml(requestId)}">
  <label for="username">Username</label>
  <input id="username" name="username" type="email" autocomplete="username" value="${escapeHtml(options.username ?? '')}">
  <label for="password">Password</label>
  <input id="password" name="password" type="password" autocomplete="current-password">
  <button id="Login" type="submit">Log In</button>
</form>`,
  );
}

export function consentPage(
  requestId: string,
  appName: string,
  username: string,
  scopes: readonly string[],
): EmulatorResponse {
  const labels = [...new Set(scopes.map((scope) => SCOPE_LABELS[scope] ?? scope))];
  return page(
    'Allow Access?',
    `<h1>Allow Access?</h1>
<p>${escapeHtml(appName)} is asking to:</p>
<ul id="scopes">${labels.map((label) => `<li>${escapeHtml(label)}</li>`).join('')}</ul>
<p>Do you want to allow access for ${escapeHtml(username)}?</p>
<form method="POST" action="/services/oauth2/consent">
  <input type="hidden" name="request_id" value="${escapeHtml(requestId)}">
  <button type="submit" name="decision" value="deny">Deny</button>
  <button type="submit" name="decision" value="allow">Allow</button>
</form>`,
  );
}

export function deviceCodePage(error?: string): EmulatorResponse {
  return page(
    'Connect Your Device',
    `<h1>Connect Your Device</h1>
${error !== undefined ? `<p id="error" role="alert">${escapeHtml(error)}</p>` : ''}
<form method="POST" action="/setup/connect">
  <label for="user_code">Code</label>
  <input id="user_code" name="user_code" autocomplete="off">
  <button type="submit">Connect</button>
</form>`,
  );
}

export function messagePage(status: number, title: string, message: string): EmulatorResponse {
  return page(title, `<h1>${escapeHtml(title)}</h1><p id="message">${escapeHtml(message)}</p>`, status);
}

function page(title: string, body: string, status = 200): EmulatorResponse {
  return {
    status,
    headers: { 'Content-Type': 'text/html;charset=UTF-8', 'Cache-Control': 'no-cache,no-store' },
    body: `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body>${body}</body></html>`,
  };
}
