import { describeValue, looksLikeHfToken } from '../util/input';
import { isDns1123Subdomain } from '../validation/manifest';

/** A Secret data key (Kubernetes `IsConfigMapKey`). */
const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;

/**
 * Where the server reads its Hugging Face token from. Tokens are only ever referenced from a
 * Kubernetes Secret, never inlined.
 */
export class HuggingFaceToken {
  /** The Secret name Google's GKE samples and GIQ use. */
  public static readonly DEFAULT_SECRET_NAME = 'hf-secret';
  /** The Secret key Google's GKE samples and GIQ use. */
  public static readonly DEFAULT_KEY = 'hf_api_token';

  /**
   * Read the token from a key of an existing Secret in the chart's namespace.
   *
   * Create it with `kubectl create secret generic hf-secret --from-literal=hf_api_token="$HF_TOKEN"`.
   *
   * @param secretName name of the Secret
   * @param key key in the Secret that holds the token
   * @throws Error when the name or key is not a valid Kubernetes Secret name or key, or looks like a token itself
   */
  public static fromSecret(secretName: string, key: string = HuggingFaceToken.DEFAULT_KEY): HuggingFaceToken {
    // a pasted token is refused without being repeated in the message (messages end up in CI logs)
    if (typeof secretName === 'string' && looksLikeHfToken(secretName)) {
      throw new Error('HuggingFaceToken.fromSecret: \'secretName\' looks like a Hugging Face token (hf_...): pass the name of the Kubernetes Secret '
        + `that holds the token, e.g. HuggingFaceToken.fromSecret('${HuggingFaceToken.DEFAULT_SECRET_NAME}'), never the token itself.`);
    }
    if (typeof key === 'string' && looksLikeHfToken(key)) {
      throw new Error('HuggingFaceToken.fromSecret: \'key\' looks like a Hugging Face token (hf_...): pass the key inside the Secret that holds the token, '
        + `e.g. '${HuggingFaceToken.DEFAULT_KEY}', never the token itself.`);
    }
    if (typeof secretName !== 'string' || !isDns1123Subdomain(secretName)) {
      throw new Error('HuggingFaceToken.fromSecret: \'secretName\' must be a Kubernetes Secret name (lower-case letters, digits, \'-\' and \'.\', '
        + `at most 253 characters), e.g. '${HuggingFaceToken.DEFAULT_SECRET_NAME}'; got ${describeValue(secretName)}.`);
    }
    if (key === null || typeof key !== 'string' || !SECRET_KEY.test(key) || key.length > 253) {
      throw new Error('HuggingFaceToken.fromSecret: \'key\' must be a Secret key (letters, digits, \'-\', \'_\' and \'.\', at most 253 characters), '
        + `e.g. '${HuggingFaceToken.DEFAULT_KEY}'; got ${describeValue(key)}.`);
    }
    return new HuggingFaceToken(secretName, key);
  }

  /** No token: only for models that are not gated. */
  public static none(): HuggingFaceToken {
    return new HuggingFaceToken(undefined, undefined);
  }

  private constructor(
    /** The Secret name, or undefined for no token. */
    public readonly secretName: string | undefined,
    /** The key in the Secret, or undefined for no token. */
    public readonly key: string | undefined,
  ) {}
}
