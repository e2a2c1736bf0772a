/** The reconcile function's configuration: its schema is in src/config/reconcile.ts with the others. */
export { loadReconcileConfig, type ReconcileConfig } from '../config/reconcile';
