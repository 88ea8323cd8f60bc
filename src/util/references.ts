/**
 * Grammars of the identifiers users pass: Hugging Face repository ids and container image references.
 */
import { describeValue, printable } from './input';

/**
 * One part of a Hugging Face repository id, as `huggingface_hub.utils.validate_repo_id` accepts it
 * (`REPO_ID_REGEX = ^(\b[\w\-.]+\b/)?\b[\w\-.]{1,96}\b$`, no `--` or `..`, no `.git` at the end),
 * restricted to ASCII: starts and ends with a letter, digit or `_`, at most 96 characters.
 */
const HF_PART = /^[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,94}[A-Za-z0-9_])?$/;

/** True when `id` is a Hugging Face repository id `owner/name`. */
export function isHuggingFaceId(id: unknown): id is string {
  if (typeof id !== 'string') return false;
  const parts = id.split('/');
  return parts.length === 2 && parts.every((p) => HF_PART.test(p) && !p.includes('--') && !p.includes('..'))
    && !id.toLowerCase().endsWith('.git');
}

/**
 * Checks that `id` is a Hugging Face repository id `owner/name` (letters, digits, `_`, `.`, `-`; no `--`
 * or `..`; at most 96 characters a part). Everything else could carry shell or `$(VAR)` syntax into a
 * container's arguments, or control characters into messages.
 * @param id the value
 * @param prop the prop that carried it
 */
export function checkHuggingFaceId(id: unknown, prop: string): string {
  if (!isHuggingFaceId(id)) {
    throw new Error(`'${prop}' must be a Hugging Face model id 'owner/name' (letters, digits, '_', '.' and '-', no '--' or '..', `
      + `at most 96 characters a part), e.g. 'google/gemma-2-27b-it'; got ${describeValue(id)}.`);
  }
  return id;
}

// distribution/reference's grammar (github.com/distribution/reference, regexp.go)
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[0-9a-fA-F:]+\\])(?::[0-9]+)?`;
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = 'sha256:[a-f0-9]{64}|sha384:[a-f0-9]{96}|sha512:[a-f0-9]{128}';
const IMAGE_REFERENCE = new RegExp(`^(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*(?::(${TAG}))?(?:@(${DIGEST}))?$`);

/** The parts of a valid image reference, or undefined when `image` is not one. */
export function parseImageReference(image: unknown): { readonly tag?: string; readonly digest?: string } | undefined {
  if (typeof image !== 'string' || image.length > 512) return undefined;
  const m = IMAGE_REFERENCE.exec(image);
  if (!m) return undefined;
  // the repository name (without tag and digest) is at most 255 characters
  const name = image.replace(/@.*$/, '').replace(/:[\w][\w.-]{0,127}$/, '');
  if (name.length > 255) return undefined;
  return { tag: m[1], digest: m[2] };
}

/** The repository of an image reference: without its digest, then its tag (after the last slash: a registry's host:port keeps its colon). */
export function imageRepository(image: string): string {
  return image.replace(/@.*$/, '').replace(/:[^/]*$/, '');
}

/** True when `image` is a valid reference pinned to a tag other than `latest` or to a digest. */
export function isPinnedImageReference(image: unknown): boolean {
  const ref = parseImageReference(image);
  return ref !== undefined && (ref.digest !== undefined || (ref.tag !== undefined && ref.tag !== 'latest'));
}

/**
 * Checks an image prop: a valid reference (lower-case repository, `registry[:port]/path:tag` or
 * `@sha256:<64 hex digits>`) pinned to a tag other than `latest` or a digest.
 */
export function checkPinnedImage(image: unknown, prop: string): string {
  if (typeof image !== 'string' || parseImageReference(image) === undefined) {
    throw new Error(`'${prop}' must be a container image reference such as 'vllm/vllm-openai:v0.10.1' or `
      + `'registry.example.com/team/vllm@sha256:<64 hex digits>' (lower-case repository path), got ${describeValue(image)}.`);
  }
  if (!isPinnedImageReference(image)) {
    throw new Error(`'${prop}' '${printable(image)}' must be pinned to a tag other than 'latest' or to a digest `
      + '(repository:tag or repository@sha256:...).');
  }
  return image;
}
