/**
 * The Docker reference grammar for repository names and tags (distribution
 * reference/regexp.go, v3):
 *   path-component := alpha-numeric (separator alpha-numeric)*
 *   alpha-numeric  := /[a-z0-9]+/
 *   separator      := /[_.]|__|[-]+/
 *   name           := path-component ['/' path-component]*   (at most 255 characters)
 *   tag            := /[\w][\w.-]{0,127}/
 * Names and tags from Nexus or a registry that do not match are refused where
 * they are parsed: nothing else reaches a URL, a terminal or a label, so no name
 * can add a path segment, a `..`, a query, a fragment or a control character.
 *
 * A GUN (notary's name for trust data) is `<registry host[:port]>/<path>`, and
 * the configured `gunPrefix` is its host and leading path. Their path
 * components are checked more loosely than image names (separators may run
 * together, `a._b`, as Nexus repository names in a path-routed GUN
 * `host/<repository>/<image>` may), yet still start and end with [a-z0-9], so
 * they cannot be `.` or `..` nor carry `?`, `#`, `%` or a control character.
 */
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const NAME = new RegExp(`^${PATH_COMPONENT}(?:/${PATH_COMPONENT})*$`);
const NAME_TOTAL_LENGTH_MAX = 255;
const TAG = /^\w[\w.-]{0,127}$/;

const GUN_PATH_COMPONENT = '[a-z0-9]+(?:[._-]+[a-z0-9]+)*';
/** A GUN's host as URL.host writes it, the port included; `_` for hosts that have one. */
const GUN_HOST = '[A-Za-z0-9](?:[A-Za-z0-9._:-]*[A-Za-z0-9])?';
/** The configured prefix's host: a DNS name or IPv4 address, and a port of at most five digits. */
const PREFIX_HOST = '[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::[0-9]{1,5})?';
const GUN = new RegExp(`^${GUN_HOST}(?:/${GUN_PATH_COMPONENT})+$`);
/** A configured `gunPrefix` (without its trailing slashes), unanchored: the configuration's JSON Schema states it too. */
export const GUN_PREFIX_PATTERN = `${PREFIX_HOST}(?:/${GUN_PATH_COMPONENT})*`;
const GUN_PREFIX = new RegExp(`^${GUN_PREFIX_PATTERN}$`);

export function isValidImageName(name: string): boolean {
  return name.length <= NAME_TOTAL_LENGTH_MAX && NAME.test(name);
}

export function isValidTag(tag: string): boolean {
  return TAG.test(tag);
}

/** A GUN that may become part of a Notary URL: host[:port] and at least one path component. */
export function isValidGun(gun: string): boolean {
  return gun.length <= NAME_TOTAL_LENGTH_MAX && GUN.test(gun) && !gun.split('/').includes('..');
}

/** A configured `gunPrefix` without its trailing slashes: host[:port], then path components if any. */
export function isValidGunPrefix(prefix: string): boolean {
  return GUN_PREFIX.test(prefix);
}
