/**
 * The Managed Prometheus scrape of an LLM server as a construct of its own: a PodMonitoring of the server's
 * Prometheus endpoint (vLLM and TGI: `/metrics` on the serving port; JetStream: `/` on its `prometheus_port`), and on
 * request the scrape of GKE's TPU device-plugin exporter. `OptimizedLlmServer` composes it.
 */
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { checkLabelMap } from './map-props';
import { MONITORING_NOTE } from './server-notes';
import { tpuMetricsExporterMonitoring } from './tpu-metrics';
import { MODEL_SERVERS, VLLM } from '../catalog/model-servers';
import { PodMonitoring, PodMonitoringSpecEndpointsMetricRelabelingAction, PodMonitoringSpecEndpointsPort } from '../imports/monitoring.googleapis.com';
import { checkedScope, checkObject, checkOptionalBoolean, checkOptionalInteger, checkOptionalString, checkProps, checkRequiredString, printable } from '../util/input';
import { isDns1123Subdomain } from '../validation/manifest';
import { ensureUniqueObjectNames } from '../validation/unique-names';

/** Properties of an {@link LlmServerMonitoring}. */
export interface LlmServerMonitoringProps {
  /** Name of the PodMonitoring (in the chart's namespace). */
  readonly name: string;
  /** Labels that select the server's pods (for a multi-host LeaderWorkerSet, only the leaders serve metrics). */
  readonly selector: { [key: string]: string };
  /**
   * The model server the pods run: `vllm`, `tgi` or `jetstream` (sets the metrics port and path).
   * @default 'vllm'
   */
  readonly modelServer?: string;
  /**
   * Port of the metrics endpoint, replacing the model server's.
   * @default - the model server's metrics port (8000 for vLLM and TGI, 9100 for JetStream)
   */
  readonly port?: number;
  /**
   * Labels of the PodMonitoring.
   * @default - none
   */
  readonly labels?: { [key: string]: string };
  /**
   * Scrape interval.
   * @default '15s'
   */
  readonly interval?: string;
  /**
   * Also scrape GKE's TPU device-plugin exporter (`kube-system/tpu-metrics-exporter`, per-chip HBM `memory_used`), once per
   * chart. Not on Autopilot, which denies objects in `kube-system`.
   * @default false
   */
  readonly tpuMetrics?: boolean;
}

/** vLLM's adapter info gauge (EPP_VLLM_METRICS.loraSpec): one series per list of running and waiting adapters. */
const VLLM_LORA_INFO_METRIC = 'vllm:lora_requests_info';

const PROPS: readonly string[] = ['name', 'selector', 'modelServer', 'port', 'labels', 'interval', 'tpuMetrics'];

/**
 * A Google Cloud Managed Service for Prometheus PodMonitoring of an LLM server's metrics (the queue, batch and KV-cache
 * gauges the autoscaler reads), for any vLLM, TGI or JetStream pods, including ones you deploy yourself. The cluster needs
 * Managed Prometheus enabled.
 *
 * @example
 * new LlmServerMonitoring(chart, 'metrics', { name: 'my-vllm', selector: { app: 'my-vllm' }, modelServer: 'vllm' });
 */
export class LlmServerMonitoring extends Construct {
  /** The PodMonitoring of the server's metrics. */
  public readonly podMonitoring: ApiObject;
  /** The PodMonitoring of GKE's TPU device-plugin exporter, present with `tpuMetrics`. */
  public readonly tpuMetricsMonitoring?: ApiObject;
  /** What must exist in the cluster for the scrape to work, one line each. */
  public readonly deploymentNotes: string[];

  constructor(scope: Construct, id: string, props: LlmServerMonitoringProps) {
    super(checkedScope(scope, id, 'LlmServerMonitoring'), id);
    checkProps(props, 'LlmServerMonitoring props', PROPS);
    checkRequiredString('name', props.name, '\'my-vllm\'');
    if (!isDns1123Subdomain(props.name)) throw new Error(`'name' '${printable(props.name)}' is not a Kubernetes object name (a DNS-1123 subdomain).`);
    checkObject(props.selector, '\'selector\'');
    checkLabelMap('selector', props.selector);
    if (Object.keys(props.selector).length === 0) throw new Error('\'selector\' must name at least one label: an empty selector scrapes every pod.');
    checkLabelMap('labels', props.labels);
    checkOptionalString('modelServer', props.modelServer);
    checkOptionalString('interval', props.interval);
    // Managed Prometheus's duration format (PodMonitoring endpoints[].interval), e.g. 15s, 1m, 1m30s
    if (props.interval !== undefined && !/^((\d+)(ms|s|m|h))+$/.test(props.interval)) {
      throw new Error(`'interval' '${printable(props.interval)}' is not a duration such as '15s', '1m' or '1m30s'.`);
    }
    checkOptionalInteger('port', props.port, 1, 65535);
    checkOptionalBoolean('tpuMetrics', props.tpuMetrics);
    const server = MODEL_SERVERS.find((s) => s.name === (props.modelServer ?? 'vllm'));
    if (!server) {
      throw new Error(`'modelServer' '${printable(props.modelServer)}' is not a model server the library knows: use one of `
        + `${MODEL_SERVERS.map((s) => `'${s.name}'`).join(', ')}.`);
    }
    this.podMonitoring = new PodMonitoring(this, 'Resource', {
      metadata: { name: props.name, labels: props.labels },
      spec: {
        selector: { matchLabels: { ...props.selector } },
        endpoints: [{
          port: PodMonitoringSpecEndpointsPort.fromNumber(props.port ?? server.metricsPort ?? server.port),
          path: server.metricsPath,
          interval: props.interval ?? '15s',
          // vLLM's LoRA info gauge gets a new series for every list of running and waiting adapters and keeps the old ones
          // (vllm/v1/metrics/loggers.py gauge_lora_info ... set_to_current_time()): Managed Prometheus would bill a series per
          // combination; the gateway's Endpoint Picker reads it from the pods, and no HPA uses it
          ...(server.name === VLLM.name ? {
            metricRelabeling: [{ action: PodMonitoringSpecEndpointsMetricRelabelingAction.DROP, sourceLabels: ['__name__'], regex: VLLM_LORA_INFO_METRIC }],
          } : {}),
        }],
      },
    });
    if (props.tpuMetrics) this.tpuMetricsMonitoring = tpuMetricsExporterMonitoring(this);
    this.deploymentNotes = [MONITORING_NOTE];
    // no other object of the App may share its name (two scrapes of one name: Kubernetes keeps one)
    ensureUniqueObjectNames(this);
  }
}
