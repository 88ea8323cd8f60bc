/**
 * Quoting for the two interpreters that read strings this library emits:
 *
 * - POSIX `sh`, for the commands in `deploymentNotes` that people paste into a shell and for words
 *   of the few scripts containers run. Every value is single-quoted unless it holds only characters
 *   no shell gives a meaning to, so `$(...)`, backticks, `;`, `|`, quotes and newlines stay literal.
 * - Kubernetes' own `$(VAR)` expansion, which the kubelet applies to a container's `command`, `args`
 *   and `env[].value` before any shell runs (`$$` is its escape for a literal `$`).
 *
 * No user-supplied string is ever spliced into a script: scripts read user values from positional
 * parameters or environment variables, and this module quotes what ends up in notes and arguments.
 */

/** Characters that need no quoting in a POSIX shell word. */
const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/**
 * A value as one POSIX shell word: unchanged when it holds only safe characters, else inside single
 * quotes with each `'` written as `'\''`.
 * @param value the word
 */
export function shellQuote(value: string): string {
  const s = String(value);
  return SAFE_WORD.test(s) ? s : `'${s.replace(/'/g, '\'\\\'\'')}'`;
}

/**
 * A string for a container's `command`, `args` or an `env[].value`, with every `$` doubled so that
 * Kubernetes' `$(VAR)` expansion leaves it literal (`$$` expands to `$`). Only for values the library
 * does not mean as a `$(VAR)` reference.
 * @param value the literal text
 */
export function escapeKubernetesExpansion(value: string): string {
  return String(value).replace(/\$/g, '$$$$');
}

/**
 * What Kubernetes' expansion turns a `command`/`args`/`env` string into, given the variables it can
 * see (the kubelet's `third_party/forked/golang/expansion`): `$$` -> `$`, `$(NAME)` -> the value of NAME
 * when defined (left as written otherwise), any other `$` kept. Used by tests and the synth-time rules to
 * check that a user's value never reaches a variable.
 * @param input the string as written in the manifest
 * @param vars the variables defined for the container
 */
export function kubernetesExpand(input: string, vars: { [name: string]: string }): string {
  let out = '';
  for (let i = 0; i < input.length; i++) {
    const c = input[i];
    if (c !== '$' || i + 1 >= input.length) {
      out += c;
      continue;
    }
    const next = input[i + 1];
    if (next === '$') {
      out += '$';
      i++;
    } else if (next === '(') {
      const close = input.indexOf(')', i + 2);
      if (close < 0) {
        out += input.slice(i);
        break;
      }
      const name = input.slice(i + 2, close);
      out += Object.prototype.hasOwnProperty.call(vars, name) ? vars[name] : `$(${name})`;
      i = close;
    } else {
      out += c;
    }
  }
  return out;
}
