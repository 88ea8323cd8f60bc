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
   * Create it with `kubectl create secret generic hf-secret --from-literal=hf_api_token=$HF_TOKEN`.
   *
   * @param secretName name of the Secret
   * @param key key in the Secret that holds the token
   */
  public static fromSecret(secretName: string, key: string = HuggingFaceToken.DEFAULT_KEY): HuggingFaceToken {
    if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(secretName) || secretName.length > 253) {
      throw new Error(`'huggingFaceToken' secret name '${secretName}' is not a valid Kubernetes name (lower-case letters, digits, '-' and '.').`);
    }
    if (!/^[-._a-zA-Z0-9]+$/.test(key)) {
      throw new Error(`'huggingFaceToken' key '${key}' is not a valid Secret key (letters, digits, '-', '_' and '.').`);
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
