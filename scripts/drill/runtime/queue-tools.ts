/**
 * Queue manipulations the drill uses to stage faults: losing one message before the worker sees
 * it (a message deleted by mistake, a purge, a bug), and waiting for the first change-capture
 * completions of a set of changes.
 * @packageDocumentation
 */
import { ChangeMessageVisibilityCommand, DeleteMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { Deployment } from './deployment';
import type { Region } from './region';
import { messageInfo } from './tracker';

/**
 * Runs `action` with the deployment's worker paused, then deletes from the sync queue the
 * message about `sub()` (the user the action made) before the worker can see it, and resumes the
 * worker. Other messages received meanwhile are put back at once. Returns whether one was lost.
 */
export async function loseMessageOf(
  deployment: Deployment,
  region: Region,
  action: () => Promise<void>,
  sub: () => string | undefined,
): Promise<boolean> {
  const wasRunning = deployment.workerRunning;
  await deployment.stopWorker();
  let lost = false;
  try {
    await action();
    await deployment.flushCapture();
    const want = sub();
    for (let round = 0; round < 20 && !lost; round++) {
      const r = await region.sqsAdmin.send(
        new ReceiveMessageCommand({
          QueueUrl: deployment.workerConfig.syncQueueUrl,
          MaxNumberOfMessages: 10,
          VisibilityTimeout: 30,
          WaitTimeSeconds: 0,
        }),
      );
      const messages = r.Messages ?? [];
      if (messages.length === 0) break;
      for (const m of messages) {
        if (!lost && want && messageInfo(m.Body ?? '').sub === want) {
          await region.sqsAdmin.send(
            new DeleteMessageCommand({
              QueueUrl: deployment.workerConfig.syncQueueUrl,
              ReceiptHandle: m.ReceiptHandle,
            }),
          );
          lost = true;
        } else {
          await region.sqsAdmin.send(
            new ChangeMessageVisibilityCommand({
              QueueUrl: deployment.workerConfig.syncQueueUrl,
              ReceiptHandle: m.ReceiptHandle,
              VisibilityTimeout: 0,
            }),
          );
        }
      }
    }
  } finally {
    if (wasRunning) deployment.startWorker();
  }
  return lost;
}
