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
 */
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const NAME = new RegExp(`^${PATH_COMPONENT}(?:/${PATH_COMPONENT})*$`);
const NAME_TOTAL_LENGTH_MAX = 255;
const TAG = /^\w[\w.-]{0,127}$/;

export function isValidImageName(name: string): boolean {
  return name.length <= NAME_TOTAL_LENGTH_MAX && NAME.test(name);
}

export function isValidTag(tag: string): boolean {
  return TAG.test(tag);
}
