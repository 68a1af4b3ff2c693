// Completion callbacks: callbackUrl validation, the address guard, the signed POST and the delivery
// service the worker's webhook processor runs.
// Other areas, the apps, test/ and scripts/ import this area only through this file.
export { callbackUrlProblem, MAX_CALLBACK_URL_LENGTH } from './callback-url';
export { isPublicAddress, literalRefusal, TargetRefusedError } from './target-guard';
export { webhookBody } from './webhook-body';
export type { WebhookBody } from './webhook-body';
export { sendWebhook } from './webhook-sender';
export type { SendOutcome } from './webhook-sender';
export { WebhookAttemptError, WebhookDelivery, webhookId } from './webhook-delivery.service';
