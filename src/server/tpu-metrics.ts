/**
 * The Managed Prometheus scrape of GKE's TPU device-plugin exporter, which publishes per-chip HBM usage
 * (`memory_used`) for the TPU memory autoscaling signal. One per cluster, in `kube-system`, selecting the
 * device plugin's pods on their metrics port, as Google's JetStream module declares it
 * (gke-inference-quickstart.md section 2.8).
 */
import { ApiObject, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { PodMonitoring, PodMonitoringSpecEndpointsPort } from '../imports/monitoring.googleapis.com';
import { markSharedClusterObject } from '../validation/unique-names';

/** Name, namespace, pod label and port of the exporter scrape. */
export const TPU_METRICS_EXPORTER = {
  name: 'tpu-metrics-exporter',
  namespace: 'kube-system',
  podLabels: { 'k8s-app': 'tpu-device-plugin' },
  port: 2112,
  /** The module scrapes every max(15, interval) seconds. */
  interval: '15s',
} as const;

const ID = 'TpuMetricsExporterPodMonitoring';

/**
 * The exporter's PodMonitoring, created once per chart (several servers in one chart share it; in several
 * charts it is the same object, applied identically).
 */
export function tpuMetricsExporterMonitoring(scope: Construct): ApiObject {
  const chart = Chart.of(scope);
  const existing = chart.node.tryFindChild(ID);
  if (existing) return existing as ApiObject;
  const monitoring = new PodMonitoring(chart, ID, {
    metadata: { name: TPU_METRICS_EXPORTER.name, namespace: TPU_METRICS_EXPORTER.namespace, labels: { ...TPU_METRICS_EXPORTER.podLabels } },
    spec: {
      selector: { matchLabels: { ...TPU_METRICS_EXPORTER.podLabels } },
      endpoints: [{ port: PodMonitoringSpecEndpointsPort.fromNumber(TPU_METRICS_EXPORTER.port), interval: TPU_METRICS_EXPORTER.interval }],
    },
  });
  // every chart that needs it carries the same object, so each chart applies on its own
  markSharedClusterObject(monitoring);
  return monitoring;
}
