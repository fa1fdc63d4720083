/**
 * Escaping for the status page. Names and reasons come from Nexus and Notary,
 * which may be hostile (README, Security): every value that reaches the HTML
 * goes through one of these.
 */

const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]/g;

function hex(c: string): string {
  return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/** Text content: markup characters as references, and control or direction characters made visible (`\u001b`), never obeyed. */
export function escapeText(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`).replace(CONTROL, (c) => `<span class="ctl" title="control character">${hex(c)}</span>`);
}

/** An attribute value (always double-quoted): the same, with control characters written as `\uXXXX`. */
export function escapeAttr(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`).replace(CONTROL, hex);
}

/** A GUN or a role name may wrap after a `/`, nowhere else. */
export function breakAtSlashes(text: string): string {
  return text.split('/').map(escapeText).join('/<wbr>');
}
