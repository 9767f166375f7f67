/** Sends each alert to the operator's channels: the webhook, and mail; a channel that fails is reported, not fatal. */
import type { Alert } from './alert.js';
import type { Mailer } from './notify.js';
import type { Webhook } from './webhook.js';

export interface AlertChannels {
  webhook?: Webhook | undefined;
  mailer?: Mailer | undefined;
  /** Called when a channel could not deliver an alert. @default a line on stderr */
  onError?: ((error: Error, alert: Alert, channel: 'webhook' | 'mail') => void) | undefined;
}

/**
 * A `deliver` for JobAlerts. A failed job's mail is its report (job-mail.ts sends it to the same recipients), so
 * mail carries the other alerts only; the webhook gets all three.
 */
export function deliverAlerts(channels: AlertChannels): (alert: Alert) => void {
  const onError =
    channels.onError ??
    ((error: Error, alert: Alert, channel: 'webhook' | 'mail') => {
      process.stderr.write(
        `arachne serve: could not send the ${alert.event} alert of job ${alert.job.id} by ${channel}: ${error.message}\n`,
      );
    });
  const report = (error: Error, alert: Alert, channel: 'webhook' | 'mail') => {
    try {
      onError(error, alert, channel);
    } catch {
      // A broken logger must not turn a lost alert into a crash.
    }
  };
  return (alert) => {
    if (channels.webhook) {
      void channels.webhook.send(alert.event, alert).then((result) => {
        if (!result.ok) report(result.error, alert, 'webhook');
      });
    }
    if (channels.mailer && alert.event !== 'job:failed') {
      void channels.mailer.sendAlert(alert).then((result) => {
        if (!result.ok) report(result.error, alert, 'mail');
      });
    }
  };
}
