package io.skein.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import io.skein.codecs.Outcome;
import io.skein.protocol.CommandResult;
import io.skein.protocol.CommandWriter;
import io.skein.protocol.SkeinException;
import io.skein.protocol.SkeinProtocol;
import org.agrona.concurrent.UnsafeBuffer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code skein send}: one command to a running node (or to a cluster's leader, with {@code --cluster}), written from
 * its domain schema's fields on the command line, with the reply printed readably.
 */
@Command(name = "send", mixinStandardHelpOptions = true,
    description = "Send one command (or query) to a running node, or to a cluster with --cluster, and print the " +
    "reply, e.g. skein send --aggregate account:42 Deposit amount=100")
public final class SendCommand implements Callable<Integer>
{
    /**
     * Exit code when the command's fate is unknown (no reply in time, or the node could not confirm it durable).
     */
    static final int EXIT_UNKNOWN = 5;

    @Mixin
    private ClientOptions client;

    @Mixin
    private ClusterClientOptions cluster;

    @Option(names = "--aggregate", required = true, description = "TYPE:ID, such as account:42 or order-book:1.")
    private String aggregate;

    @Parameters(index = "0", description = "The command's message name in its domain schema, such as Deposit.")
    private String messageName;

    @Parameters(index = "1..*", description = "Fields as name=value: numbers, enum names, text.")
    private List<String> fields;

    @Option(names = "--expected-version", description = "Run only at this version (0: the aggregate must not " +
        "exist; default: any).")
    private Long expectedVersion;

    @Option(names = "--key", description = "Idempotency key, a UUID; resend with the same key to retry safely " +
        "(default: a new random key, printed).")
    private String key;

    @Option(names = "--correlation-id", defaultValue = "1", description = "Correlation id (default: " +
        "${DEFAULT-VALUE}).")
    private long correlationId;

    @Option(names = "--causation-id", defaultValue = "0", description = "Causation id (default: ${DEFAULT-VALUE}).")
    private long causationId;

    @Option(names = "--timeout", defaultValue = "10", description = "Seconds to wait for the reply " +
        "(default: ${DEFAULT-VALUE}).")
    private long timeoutSeconds;

    /**
     * {@inheritDoc}
     */
    @Override
    public Integer call() throws Exception
    {
        final Domains domains = Domains.load();
        final long[] address = domains.parseAddress(aggregate);
        final Domains.Domain domain = domains.byTypeId((int)address[0]);
        if (null == domain.schema)
        {
            throw new IllegalArgumentException("aggregate type " + domain.name + " names no schema");
        }
        final Map<String, String> values = new LinkedHashMap<>();
        if (null != fields)
        {
            for (final String field : fields)
            {
                final int equals = field.indexOf('=');
                if (equals <= 0)
                {
                    throw new IllegalArgumentException("fields are name=value, not '" + field + "'");
                }
                values.put(field.substring(0, equals), field.substring(equals + 1));
            }
        }
        final UUID uuid = null == key ? UUID.randomUUID() : parseKey(key);
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[64 * 1024]);
        final CommandWriter writer = new CommandWriter();
        writer.wrap(buffer, 0).correlationId(correlationId).causationId(causationId)
            .aggregate(domain.typeId, address[1])
            .expectedVersion(null == expectedVersion ? SkeinProtocol.ANY_VERSION : expectedVersion)
            .idempotencyKey(uuid.getMostSignificantBits(), uuid.getLeastSignificantBits());
        final int bodyLength = domain.schema.encode(messageName, values, buffer, SkeinProtocol.ENVELOPE_LENGTH);
        final int length = SkeinProtocol.ENVELOPE_LENGTH + bodyLength;

        try (ClientOptions.Connection connection = client.new Connection(cluster);
            CommandSession session = connection.session(null))
        {
            final CommandResult result;
            try
            {
                result = session.send(buffer, 0, length, TimeUnit.SECONDS.toNanos(timeoutSeconds));
            }
            catch (final SkeinException ex)
            {
                // The command may have been sent and applied even though no reply came: its fate is unknown.
                System.out.println("UNKNOWN " + domain.name + ":" + address[1] + ": " + ex.getMessage());
                System.out.println("the command may have been applied: resend it with --key " + uuid +
                    " to retry safely (a new key could apply it twice)");
                return EXIT_UNKNOWN;
            }
            System.out.printf("%s %s:%d version %d%s%n", result.outcome(), domain.name, address[1], result.version(),
                result.journalPosition() >= 0 ? (connection.isCluster() ? ", log position " : ", journal position ") +
                result.journalPosition() + ", sequence " + result.sequence() : "");
            if (result.outcome() != Outcome.ACCEPTED)
            {
                System.out.printf("reason %s%s: %s%n", result.reason(),
                    0 != result.rejectCode() ? " code " + result.rejectCode() : "", result.message());
            }
            if (result.payloadLength() > 0)
            {
                System.out.println("reply " + domain.schema.decode(result.payload(), 0, result.payloadLength()));
            }
            if (result.outcome() == Outcome.UNKNOWN)
            {
                System.out.println("the command may have been applied: resend it with --key " + uuid +
                    " to retry safely (a new key could apply it twice)");
                return EXIT_UNKNOWN;
            }
            System.out.println("idempotency key " + uuid + " (resend with --key " + uuid + " to retry safely)");
            return result.outcome() == Outcome.ACCEPTED || result.outcome() == Outcome.DUPLICATE ? 0 : 4;
        }
    }

    private static UUID parseKey(final String text)
    {
        try
        {
            return UUID.fromString(text);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new IllegalArgumentException("--key takes a UUID such as 123e4567-e89b-12d3-a456-426614174000, " +
                "not '" + text + "'");
        }
    }
}
