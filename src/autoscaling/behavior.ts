import { ScalingRules } from './hpa-algorithm';
import { SERVING_CONSTANTS } from '../catalog/serving-constants';

/**
 * The HPA `behavior` this library emits, shared by the construct and the simulator so that what is
 * simulated is what is deployed. Scale up at once (no stabilisation) by up to 4 pods or 100% per minute,
 * whichever is more; scale down one pod per 2 minutes after a 300 s stabilisation window (GKE and
 * Kubernetes guidance: fast scale-up with Pods/Percent policies, scale-down window of at least 5 minutes).
 */
export const HPA_BEHAVIOR: { readonly scaleUp: ScalingRules; readonly scaleDown: ScalingRules } = {
  scaleUp: {
    stabilizationWindowSeconds: 0,
    selectPolicy: 'Max',
    policies: [{ type: 'Pods', value: 4, periodSeconds: 60 }, { type: 'Percent', value: 100, periodSeconds: 60 }],
  },
  scaleDown: {
    stabilizationWindowSeconds: SERVING_CONSTANTS.scaleDownStabilizationSeconds.value,
    selectPolicy: 'Min',
    policies: [{ type: 'Pods', value: 1, periodSeconds: 120 }],
  },
};
