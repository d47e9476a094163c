import nodemailer from 'nodemailer';
import { startSmtpSink } from './smtp-sink';
import { waitFor } from './wait';

describe('test harness: SMTP sink', () => {
  it('receives a real mail sent over SMTP and stops', async () => {
    const sink = await startSmtpSink();
    try {
      const transport = nodemailer.createTransport({ host: '127.0.0.1', port: sink.port, secure: false, ignoreTLS: true });
      await transport.sendMail({ from: 'tandem@example.test', to: 'alice@example.test', subject: 'Hello', text: 'body text' });
      await waitFor('the mail', () => sink.mails.length === 1);
      expect(sink.mails[0].to).toEqual(['alice@example.test']);
      expect(sink.mails[0].raw).toContain('Subject: Hello');
    } finally {
      await sink.stop();
    }
  });
});
