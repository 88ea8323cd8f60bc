/**
 * cdk8s-plus views of a server's objects, for the cdk8s-plus APIs that take cdk8s-plus types: a `kplus.Service` for
 * `kplus.IngressBackend.fromService` (and `exposeViaIngress`), and the pod selector labels cdk8s-plus's network policies and
 * pod affinities select the server's pods by. The views emit no object of their own: the manifests are the server's.
 */
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';

/** What the Service view is made from. */
export interface ServiceViewProps {
  /** The Service's name. */
  readonly name: string;
  /** The Service's port. */
  readonly port: number;
  /** The port's name. */
  readonly portName: string;
  /** The pods the Service selects. */
  readonly selector: kplus.IPodSelector;
}

/**
 * A `kplus.Service` that stands for a Service the library already emits: cdk8s-plus reads its name and port (an Ingress
 * backend, `exposeViaIngress`), and it synthesizes nothing itself. Changing it (`bind`, `select`, `selectLabel`) is refused,
 * because the change would not reach the emitted Service.
 */
export class ServiceView extends kplus.Service {
  private sealed?: boolean;

  constructor(scope: Construct, id: string, props: ServiceViewProps) {
    super(scope, id, { metadata: { name: props.name }, ports: [{ port: props.port, name: props.portName }], selector: props.selector });
    // the Service object is the server's own: drop the view's copy from the tree so it is never synthesized
    this.node.tryRemoveChild('Resource');
    this.sealed = true;
  }

  public bind(port: number, options?: kplus.ServiceBindOptions): void {
    this.refuse('bind');
    super.bind(port, options);
  }

  public select(selector: kplus.IPodSelector): void {
    this.refuse('select');
    super.select(selector);
  }

  public selectLabel(key: string, value: string): void {
    this.refuse('selectLabel');
    super.selectLabel(key, value);
  }

  private refuse(method: string): void {
    if (this.sealed) {
      throw new Error(`${method}: the Service '${this.name}' belongs to an OptimizedLlmServer, whose port and selector follow its model server; `
        + 'this cdk8s-plus view of it only names it (for IngressBackend.fromService or exposeViaIngress). Create your own kplus.Service '
        + 'that selects the server (`select(server)`) to expose other ports.');
    }
  }
}
