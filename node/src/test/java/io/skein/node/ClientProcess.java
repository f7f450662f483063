package io.skein.node;

import java.io.File;
import java.util.concurrent.TimeUnit;

import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.skein.client.ClientListener;
import io.skein.client.SendResult;
import io.skein.client.SkeinClient;
import io.skein.codecs.Outcome;
import io.skein.protocol.CommandResult;
import io.skein.protocol.Reply;
import org.agrona.concurrent.BackoffIdleStrategy;

/**
 * A client in its own JVM with its own media driver, for the cross-process system tests: opens an account over UDP
 * loopback, prints the reply, then deposits 1 at a time as fast as replies come back, printing the acknowledged
 * count, until killed.
 * <p>
 * Arguments: ingress channel, account id, the directory for the client's media driver (inside the test's own
 * directory, so it is removed with it even though the process is killed and its driver never shuts down).
 */
public final class ClientProcess
{
    private ClientProcess()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final String ingressChannel = args[0];
        final long accountId = Long.parseLong(args[1]);
        final File driverDir = new File(args[2]);
        final long[] acked = new long[1];
        try (MediaDriver driver = MediaDriver.launch(new MediaDriver.Context()
            .aeronDirectoryName(driverDir.getAbsolutePath())
            .threadingMode(ThreadingMode.SHARED)
            .sharedIdleStrategy(new BackoffIdleStrategy(10, 20, 1_000, 100_000))
            .publicationTermBufferLength(64 * 1024)
            .ipcTermBufferLength(64 * 1024)
            .dirDeleteOnStart(true)
            .dirDeleteOnShutdown(true));
            SkeinClient client = SkeinClient.connect(new SkeinClient.Context()
                .aeronDirectoryName(driver.aeronDirectoryName())
                .ingressChannel(ingressChannel)
                .listener(new ClientListener()
                {
                    @Override
                    public void onReply(final Reply reply)
                    {
                        if (reply.outcome() == Outcome.ACCEPTED && ++acked[0] % 100 == 0)
                        {
                            System.out.println("acked " + acked[0]);
                        }
                    }
                })))
        {
            final Bank bank = new Bank();
            final CommandResult opened = client.send(bank.buffer, 0, bank.open(0, accountId, 0),
                TimeUnit.SECONDS.toNanos(10));
            System.out.println("opened " + opened.outcome() + " version " + opened.version());
            acked[0] = 0;
            long sent = 0;
            while (true)
            {
                if (sent - acked[0] < 256 &&
                    client.offer(bank.buffer, 0, bank.deposit(sent + 1, accountId, 1, sent + 1)) == SendResult.SENT)
                {
                    sent++;
                }
                if (client.poll() == 0 && sent - acked[0] >= 256)
                {
                    Thread.onSpinWait();
                }
            }
        }
    }
}
