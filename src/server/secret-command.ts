import { HuggingFaceToken } from './hugging-face-token';
import { shellQuote } from '../util/shell-quote';

/**
 * The `kubectl create secret` command for a token Secret, every value shell-quoted; the token itself
 * comes from the user's `HF_TOKEN` environment variable, never from this library.
 */
export function secretCreateCommand(token: HuggingFaceToken, namespace: string): string {
  return ['kubectl', 'create', 'secret', 'generic', token.secretName!, `--namespace=${namespace}`, `--from-literal=${token.key}=`]
    .map(shellQuote).join(' ') + '"$HF_TOKEN"';
}
