/**
 * GKE versions (`1.33`, `1.32.2-gke.1297001`) and the Cloud Storage FUSE features each needs.
 */
import { describeValue, printable } from '../util/input';

/** A parsed GKE version; missing parts count as 0, so `1.33` is the oldest 1.33 build. */
export interface ParsedGkeVersion {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
  readonly gkeBuild: number;
}

const PATTERN = /^(\d+)\.(\d+)(?:\.(\d+)(?:-gke\.(\d+))?)?$/;

export function parseGkeVersion(version: string, prop = 'gkeVersion'): ParsedGkeVersion {
  if (typeof version !== 'string') {
    throw new Error(`'${prop}' must be a string such as '1.33' or '1.32.2-gke.1297001', got ${describeValue(version)}.`);
  }
  const m = PATTERN.exec(version.trim());
  if (!m) {
    throw new Error(`'${prop}' '${printable(version)}' is not a GKE version: use MAJOR.MINOR or MAJOR.MINOR.PATCH-gke.BUILD, e.g. '1.33' or '1.32.2-gke.1297001'.`);
  }
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3] ?? 0), gkeBuild: Number(m[4] ?? 0) };
}

export function compareGkeVersions(a: ParsedGkeVersion, b: ParsedGkeVersion): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch || a.gkeBuild - b.gkeBuild;
}

export function atLeast(version: string, minimum: string): boolean {
  return compareGkeVersions(parseGkeVersion(version), parseGkeVersion(minimum)) >= 0;
}

/** A Cloud Storage FUSE feature and the first GKE version that supports it. */
export interface GkeFeatureGate {
  readonly feature: string;
  readonly minimumVersion: string;
  readonly source: string;
}

const S18 = 'GKE "Manually optimize Cloud Storage FUSE CSI driver for performance" (docs.cloud.google.com/kubernetes-engine/docs/how-to/cloud-storage-fuse-csi-driver-perf, updated 2026-04-10)';

/** The version gates of the reference's table (gke-inference-quickstart.md section 3.5) that our manifests depend on. */
export const GCSFUSE_GATES = {
  skipCsiBucketAccessCheck: {
    feature: 'volume attribute skipCSIBucketAccessCheck',
    minimumVersion: '1.29.9-gke.1251000',
    source: S18,
  },
  parallelDownloadsNeedFileCache: {
    feature: 'parallel downloads strictly require the file cache',
    minimumVersion: '1.32.0-gke.1795000',
    source: S18,
  },
  metadataPrefetchOnMount: {
    feature: 'volume attribute gcsfuseMetadataPrefetchOnMount',
    minimumVersion: '1.32.1-gke.1357001',
    source: `${S18}; google-cloud-storage-fuse skill for Gemini CLI (GKE version table)`,
  },
  readAheadKb: {
    feature: 'mount option read_ahead_kb',
    minimumVersion: '1.32.2-gke.1297001',
    source: S18,
  },
  // gcsfuse refuses a config file with an unknown key (v2.3.1 yaml_parser KnownFields; from v2.5 viper ErrorUnused), so the
  // option fails the whole mount before v2.8.0
  negativeTtlSecs: {
    feature: 'mount option metadata-cache:negative-ttl-secs',
    minimumVersion: '1.32.1-gke.1357001',
    source: 'GoogleCloudPlatform/gcsfuse: NegativeTtlSecs first in v2.8.0 (cfg/config.go; absent at v2.7.0); GoogleCloudPlatform/gcs-fuse-csi-driver '
      + 'docs/releases.md Requirements: gcsfuse v2.8.0+ from 1.32.1-gke.1357001',
  },
} satisfies Record<string, GkeFeatureGate>;

/**
 * The GKE version assumed when none is given: 1.33, the Kubernetes minor whose schemas the manifests
 * are validated against. Parsed as the oldest 1.33 build, it clears every gate the tuned recipe uses.
 */
export const DEFAULT_GKE_VERSION = '1.33';

/** Oldest GKE version the GCS FUSE path supports at all (sidecar limits default to unlimited from here). */
export const MINIMUM_GCSFUSE_GKE_VERSION = '1.29.1-gke.1670000';

/**
 * The first builds, per GKE minor, that run the tuned recipe's core: the file cache and volume attributes (1.29.3-gke.1093000),
 * a FUSE volume in an init container (the pre-fetch and XLA cache seed, 1.29.3-gke.1093000) and parallel downloads
 * ("1.29.6-gke.1254000, 1.30.2-gke.1394000, or later"): GoogleCloudPlatform/gcs-fuse-csi-driver docs/releases.md, Requirements.
 */
export const TUNED_RECIPE_GKE_VERSIONS: readonly string[] = ['1.29.6-gke.1254000', '1.30.2-gke.1394000'];

/** Where a Cloud Storage FUSE volume sits in an init container (the XLA cache seed), per the same table. */
export const INIT_CONTAINER_GCSFUSE_GKE_VERSION = '1.29.3-gke.1093000';

/**
 * Whether `version` is at least the build its minor needs of `minimums` (one per minor, oldest minor first): a later minor than
 * every listed one qualifies, an earlier one does not. A bare `1.30` is the oldest 1.30 build.
 */
export function atLeastOnBranch(version: string, minimums: readonly string[]): boolean {
  const v = parseGkeVersion(version);
  const branches = minimums.map((m) => parseGkeVersion(m));
  const same = branches.find((b) => b.major === v.major && b.minor === v.minor);
  if (same) return compareGkeVersions(v, same) >= 0;
  return compareGkeVersions(v, branches[branches.length - 1]) > 0;
}
