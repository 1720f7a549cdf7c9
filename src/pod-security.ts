import { Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';

/**
 * Pod Security Standards `restricted`, in one place for every workload of this library:
 * non-root, no privilege escalation, all capabilities dropped, seccomp RuntimeDefault,
 * read-only root filesystem (a size-limited emptyDir is mounted where a writable path is needed).
 */

/** cdk8s-plus container security context props (capabilities and seccomp are patched, see below). */
export const RESTRICTED_CONTAINER: kplus.ContainerSecurityContextProps = {
  ensureNonRoot: true,
  privileged: false,
  readOnlyRootFilesystem: true,
  allowPrivilegeEscalation: false,
};

/** The writable scratch directory of a read-only container. */
export const WRITABLE_TMP = { path: '/tmp', sizeLimit: Size.mebibytes(256) };

/** Raw pod security context (for objects written without cdk8s-plus). */
export function restrictedPodSecurityContext(uid: number) {
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: uid,
    fsGroup: uid,
    fsGroupChangePolicy: 'OnRootMismatch',
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** Raw container security context (for objects written without cdk8s-plus). */
export function restrictedContainerSecurityContext(uid: number) {
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: uid,
    allowPrivilegeEscalation: false,
    privileged: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  };
}
