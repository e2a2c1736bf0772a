/**
 * The SQS clients of the functions, apart from the rest of the wiring so that the trigger (in the
 * sign-up's cold path) imports the SQS client alone, never the Cognito one.
 * @packageDocumentation
 */
import { SQSClient, type SQSClientConfig } from '@aws-sdk/client-sqs';
import type { TriggerConfig } from './trigger';
import type { WorkerConfig } from './worker';

type Credentials = SQSClientConfig['credentials'];

/**
 * The trigger's SQS client: two attempts and HTTP timeouts within its send budget, so that a
 * slow queue never holds up the sign-up longer than the budget.
 */
export function triggerQueueClient(config: TriggerConfig, credentials?: Credentials): SQSClient {
  return new SQSClient({
    region: config.sourceRegion,
    endpoint: config.sqsEndpoint,
    ...(credentials ? { credentials } : {}),
    maxAttempts: 2,
    requestHandler: { connectionTimeout: Math.min(500, config.sendBudgetMs), requestTimeout: config.sendBudgetMs },
  });
}

/** The worker's SQS client (retry delays and moves to the DLQ), in the deployment's own Region. */
export function workerQueueClient(
  config: Pick<WorkerConfig, 'sourceRegion' | 'sqsEndpoint'>,
  credentials?: Credentials,
): SQSClient {
  return new SQSClient({
    region: config.sourceRegion,
    endpoint: config.sqsEndpoint,
    ...(credentials ? { credentials } : {}),
  });
}
