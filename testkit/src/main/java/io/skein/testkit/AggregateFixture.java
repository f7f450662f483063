package io.skein.testkit;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;

import io.skein.aggregate.Aggregate;
import io.skein.aggregate.AggregateDefinition;
import io.skein.aggregate.AggregateDefinition.Binding;
import io.skein.aggregate.AggregateDefinition.Kind;
import io.skein.aggregate.StateCodec;
import io.skein.codecs.JournalEntryEncoder;
import io.skein.codecs.MessageHeaderDecoder;
import io.skein.codecs.MessageHeaderEncoder;
import io.skein.codecs.Outcome;
import io.skein.codecs.RejectReason;
import io.skein.engine.EngineCore;
import io.skein.engine.RecordedEvent;
import io.skein.protocol.CommandResult;
import io.skein.protocol.CommandWriter;
import io.skein.protocol.JournalEvents;
import io.skein.protocol.Reply;
import io.skein.protocol.SkeinProtocol;
import org.agrona.DirectBuffer;
import org.agrona.ErrorHandler;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.EpochNanoClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.sbe.MessageDecoderFlyweight;
import org.agrona.sbe.MessageEncoderFlyweight;

/**
 * A given/when/then fixture for aggregate authors: give an aggregate a history of events, send it a command, then
 * check the events, rejection, reply or state. It runs the engine's own decision path ({@link EngineCore}), without
 * threads or a journal, and fails (with an {@link AssertionError}) on things a unit test alone would miss:
 * <ul>
 *     <li>a command, event or reply that does not decode to exactly the bytes it was encoded in;</li>
 *     <li>a given history that is not one aggregate's contiguous versions;</li>
 *     <li>a handler that changed state directly: after every command the state rebuilt from all events must equal
 *     the live state (so the state type must implement {@code equals});</li>
 *     <li>a state codec that loses something: after every command the live state, encoded and decoded into a new
 *     state, must equal itself (for types with a codec, whose state goes into snapshots).</li>
 * </ul>
 * <pre>{@code
 * AggregateFixture.of(BankAccount::new)
 *     .given(new AccountOpenedEncoder(), e -> e.ownerId(7).initialBalance(100))
 *     .when(new WithdrawEncoder(), c -> c.amount(500))
 *     .expectRejected(AccountRejection.INSUFFICIENT_FUNDS.value())
 *     .expectNoEvents();
 * }</pre>
 * Commands that read or change aggregates of other types register those types with {@link #with(Supplier)}.
 * The file is about 1,100 lines: its {@link Result} holds every expectation, each with its javadoc (about 360
 * lines), and the checks above take most of the rest.
 *
 * @param <S> the aggregate's state type.
 */
public final class AggregateFixture<S>
{
    private static final long DEFAULT_AGGREGATE_ID = 1;

    private static final int WINDOW_CAPACITY = 1024;

    private final List<Supplier<? extends Aggregate<?>>> factories = new ArrayList<>();
    private EngineCore core;
    private EngineCore rebuilt;
    private final int typeId;
    private final AggregateDefinition<?> definition;
    private final Set<String> ignoredStateFields = new HashSet<>();
    private final List<byte[]> history = new ArrayList<>();
    private final Set<TypeAndId> touched = new HashSet<>();
    private byte[] givenState;
    private long givenStateVersion;
    private final ExpandableArrayBuffer commandBuffer = new ExpandableArrayBuffer(1024);
    private final ExpandableArrayBuffer scratch = new ExpandableArrayBuffer(1024);
    private final CommandWriter commandWriter = new CommandWriter();
    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
    private final JournalEntryEncoder entryEncoder = new JournalEntryEncoder();
    private final MutableClock clock = new MutableClock();
    private final List<Throwable> errors = new ArrayList<>();
    private long aggregateId = DEFAULT_AGGREGATE_ID;
    private long nextExpectedVersion = SkeinProtocol.ANY_VERSION;
    private long nextKeyHi;
    private long nextKeyLo;
    private long nextCorrelationId = 1;
    private boolean commandSent;

    private AggregateFixture(final Supplier<? extends Aggregate<S>> factory)
    {
        factories.add(factory);
        buildCores();
        typeId = core.typeIds()[0];
        definition = core.definition(typeId);
    }

    private void buildCores()
    {
        final ErrorHandler errorHandler = errors::add;
        core = EngineCore.of(factories, WINDOW_CAPACITY, clock, errorHandler);
        rebuilt = EngineCore.of(factories, WINDOW_CAPACITY, clock, errorHandler);
        for (final int type : core.typeIds())
        {
            requireEquals(core.definition(type).newState());
        }
    }

    /**
     * Register another aggregate type in the fixture's engine, for commands that read or change aggregates of other
     * types (an order that reserves funds on a bank account): give their histories with
     * {@link #given(int, long, long, MessageEncoderFlyweight, Consumer)} and check them with
     * {@link #state(int, long)}, {@link #version(int, long)} and {@link Result#expectEventTemplatesOf(int, long,
     * int...)}. Their states are checked as the aggregate under test's are. Only before any event or command.
     *
     * @param factory of the other type's aggregate, e.g. {@code BankAccount::new}.
     * @return this for a fluent API.
     */
    public AggregateFixture<S> with(final Supplier<? extends Aggregate<?>> factory)
    {
        if (!history.isEmpty() || commandSent || null != givenState)
        {
            throw new IllegalStateException("register other aggregate types before any given state, event or command");
        }
        factories.add(factory);
        buildCores();
        if (core.typeIds().length != factories.size())
        {
            throw new IllegalArgumentException("two aggregates of the fixture share a type id");
        }
        return this;
    }

    /**
     * A fixture for one aggregate of a type, with id 1 unless {@link #aggregateId(long)} says otherwise.
     *
     * @param factory of the aggregate, e.g. {@code BankAccount::new}.
     * @param <S>     the aggregate's state type.
     * @return a new fixture.
     */
    public static <S> AggregateFixture<S> of(final Supplier<? extends Aggregate<S>> factory)
    {
        return new AggregateFixture<>(factory);
    }

    /**
     * Set the id of the aggregate under test; only before any event or command.
     *
     * @param aggregateId of the aggregate.
     * @return this for a fluent API.
     */
    public AggregateFixture<S> aggregateId(final long aggregateId)
    {
        if (!history.isEmpty() || commandSent || null != givenState)
        {
            throw new IllegalStateException("set the aggregate id before any given state, event or command");
        }
        this.aggregateId = aggregateId;
        return this;
    }

    /**
     * Leave fields of the state out of the fixture's comparisons (the live state against the one rebuilt from the
     * events, and against its state codec's round trip), for state that holds caches a handler may fill. The states
     * are then compared field by field by reflection, every other field with {@link Objects#deepEquals}, instead of
     * with the state's {@code equals}.
     *
     * @param names of fields declared by the state class or its superclasses.
     * @return this for a fluent API.
     * @throws IllegalArgumentException naming a field the state does not have.
     */
    public AggregateFixture<S> ignoringStateFields(final String... names)
    {
        final Set<String> declared = new HashSet<>();
        for (final Field field : stateFields(definition.newState().getClass()))
        {
            declared.add(field.getName());
        }
        for (final String name : names)
        {
            if (!declared.contains(name))
            {
                throw new IllegalArgumentException("the state " + definition.newState().getClass().getName() +
                    " has no field " + name + " (it has " + declared + ")");
            }
            ignoredStateFields.add(name);
        }
        return this;
    }

    /**
     * Set the time the next command and events are stamped with.
     *
     * @param timestampNs nanoseconds since the epoch.
     * @return this for a fluent API.
     */
    public AggregateFixture<S> time(final long timestampNs)
    {
        clock.timeNs = timestampNs;
        return this;
    }

    /**
     * Start the aggregate from a state instead of a history, as a restart from a snapshot would: the state goes
     * through the type's state codec (so the aggregate holds what a snapshot would give back, not the caller's
     * object) at version 1. Only first, once, before any event or command.
     *
     * @param state to start from.
     * @return this for a fluent API.
     * @throws IllegalStateException if the type has no state codec, or events or a command came first.
     */
    public AggregateFixture<S> givenState(final S state)
    {
        return givenState(1, state);
    }

    /**
     * Start the aggregate from a state at a version, as a restart from a snapshot taken after that many events
     * would.
     *
     * @param version the aggregate is at, at least 1.
     * @param state   to start from, through the type's state codec.
     * @return this for a fluent API.
     * @throws IllegalStateException if the type has no state codec, or events or a command came first.
     */
    @SuppressWarnings("unchecked")
    public AggregateFixture<S> givenState(final long version, final S state)
    {
        final StateCodec<Object> codec = (StateCodec<Object>)definition.stateCodec();
        if (null == codec)
        {
            throw new IllegalStateException("aggregate type " + definition.name() + " has no state codec, so it " +
                "cannot be given a state (no snapshot could hold one either): give its history with given(...)");
        }
        if (!history.isEmpty() || commandSent || null != givenState)
        {
            throw new IllegalStateException("give the state first and once, before any event or command");
        }
        if (version < 1)
        {
            throw new IllegalArgumentException("a given state is at version 1 or later: " + version);
        }
        final ExpandableArrayBuffer encoded = new ExpandableArrayBuffer(256);
        final int length = codec.encode(state, encoded, 0);
        givenState = new byte[length];
        encoded.getBytes(0, givenState);
        givenStateVersion = version;
        final Object restored = decodeGivenState();
        if (!sameState(restored, state))
        {
            throw new AssertionError("aggregate " + definition.name() + "/" + aggregateId + ": the state codec does " +
                "not round-trip the given state\n  given:                 " + state + "\n  encoded then decoded: " +
                restored);
        }
        core.restore(typeId, aggregateId, version, restored);
        return this;
    }

    @SuppressWarnings("unchecked")
    private Object decodeGivenState()
    {
        final Object state = definition.newState();
        ((StateCodec<Object>)definition.stateCodec()).decode(new UnsafeBuffer(givenState), 0, givenState.length,
            state);
        return state;
    }

    /**
     * Append an event to the aggregate's history at the next version, and apply it.
     *
     * @param encoder of the event.
     * @param fill    writes the event's fields.
     * @param <E>     the encoder type.
     * @return this for a fluent API.
     */
    public <E extends MessageEncoderFlyweight> AggregateFixture<S> given(final E encoder, final Consumer<E> fill)
    {
        return given(aggregateId, version() + 1, encoder, fill);
    }

    /**
     * Append an event with explicit metadata to the history, and apply it: an event of the fixture's aggregate, or of
     * another aggregate of its type (for a command that reads or changes several, such as a transfer). Each
     * aggregate's versions must be contiguous from 1: anything else fails here, naming the event.
     *
     * @param aggregateId of the event's aggregate.
     * @param version     of that aggregate after the event; must be its current version + 1.
     * @param encoder     of the event.
     * @param fill        writes the event's fields.
     * @param <E>         the encoder type.
     * @return this for a fluent API.
     */
    public <E extends MessageEncoderFlyweight> AggregateFixture<S> given(
        final long aggregateId, final long version, final E encoder, final Consumer<E> fill)
    {
        return given(typeId, aggregateId, version, encoder, fill);
    }

    /**
     * Append an event of an aggregate of any type registered with the fixture (see {@link #with(Supplier)}) to the
     * history, and apply it.
     *
     * @param typeId      of the event's aggregate type.
     * @param aggregateId of the event's aggregate.
     * @param version     of that aggregate after the event; must be its current version + 1.
     * @param encoder     of the event, from that type's schema.
     * @param fill        writes the event's fields.
     * @param <E>         the encoder type.
     * @return this for a fluent API.
     */
    public <E extends MessageEncoderFlyweight> AggregateFixture<S> given(
        final int typeId, final long aggregateId, final long version, final E encoder, final Consumer<E> fill)
    {
        final int index = history.size();
        final AggregateDefinition<?> type = core.definition(typeId);
        if (null == type)
        {
            throw new AssertionError("given event " + index + " is of aggregate type " + typeId +
                ", which the fixture does not have: register it with with(...)");
        }
        if (version != version(typeId, aggregateId) + 1)
        {
            throw new AssertionError("given event " + index + " has version " + version + " but the next version " +
                "of aggregate " + type.name() + "/" + aggregateId + " is " + (version(typeId, aggregateId) + 1));
        }
        touched.add(new TypeAndId(typeId, aggregateId));
        final Binding<?> binding = type.binding(encoder.sbeTemplateId());
        if (null == binding || binding.kind() != Kind.EVENT || encoder.sbeSchemaId() != type.schemaId())
        {
            throw new AssertionError("given event " + index + " (template " + encoder.sbeTemplateId() +
                ") has no applier in aggregate type " + type.name());
        }

        final int eventLength = encodeMessage(scratch, encoder, fill);
        checkRoundTrip("given event " + index, type, scratch, 0, eventLength);

        final ExpandableArrayBuffer entry = new ExpandableArrayBuffer(eventLength + 256);
        entryEncoder.wrapAndApplyHeader(entry, 0, headerEncoder)
            .entrySequence(core.lastEntrySequence() + 1)
            .epoch(0)
            .timestampNs(clock.timeNs)
            .aggregateTypeId(typeId)
            .aggregateId(aggregateId)
            .version(version)
            .firstSequence(core.nextSequence())
            .correlationId(0)
            .causationId(0)
            .idempotencyKeyHi(SkeinProtocol.NO_KEY)
            .idempotencyKeyLo(SkeinProtocol.NO_KEY)
            .eventsCount(1).next().aggregateTypeId(typeId).aggregateId(aggregateId).version(version)
            .putBody(scratch, 0, eventLength);
        final int entryLength = entryEncoder.limit();
        core.apply(entry, 0, entryLength);
        final byte[] bytes = new byte[entryLength];
        entry.getBytes(0, bytes);
        history.add(bytes);
        return this;
    }

    /**
     * Set the expected version of the next command only; the default is any version.
     *
     * @param expectedVersion for the next command.
     * @return this for a fluent API.
     */
    public AggregateFixture<S> expectedVersion(final long expectedVersion)
    {
        this.nextExpectedVersion = expectedVersion;
        return this;
    }

    /**
     * Set the idempotency key of the next command only; the default is none.
     *
     * @param hi high 64 bits.
     * @param lo low 64 bits.
     * @return this for a fluent API.
     */
    public AggregateFixture<S> idempotencyKey(final long hi, final long lo)
    {
        this.nextKeyHi = hi;
        this.nextKeyLo = lo;
        return this;
    }

    /**
     * Send a command or query that has no fields (an empty block, which SBE allows): {@code when(new GetEncoder())}.
     *
     * @param encoder of the command.
     * @param <C>     the encoder type.
     * @return the result to check.
     */
    public <C extends MessageEncoderFlyweight> Result when(final C encoder)
    {
        return when(encoder, (command) ->
        {
        });
    }

    /**
     * Send a command (or query) to the aggregate and capture what happened. Fails if the command does not decode to
     * its own bytes, if the handler changed state directly, or if an event does not decode to its own bytes.
     *
     * @param encoder of the command.
     * @param fill    writes the command's fields.
     * @param <C>     the encoder type.
     * @return the result to check.
     */
    public <C extends MessageEncoderFlyweight> Result when(final C encoder, final Consumer<C> fill)
    {
        commandSent = true;
        commandWriter.wrap(commandBuffer, 0)
            .correlationId(nextCorrelationId++)
            .aggregate(typeId, aggregateId)
            .expectedVersion(nextExpectedVersion)
            .idempotencyKey(nextKeyHi, nextKeyLo);
        fill.accept(commandWriter.body(encoder));
        final int length = commandWriter.length();
        nextExpectedVersion = SkeinProtocol.ANY_VERSION;
        nextKeyHi = SkeinProtocol.NO_KEY;
        nextKeyLo = SkeinProtocol.NO_KEY;
        checkRoundTrip("command", definition, commandBuffer, SkeinProtocol.ENVELOPE_LENGTH,
            length - SkeinProtocol.ENVELOPE_LENGTH);

        errors.clear();
        final int replyLength = core.execute(commandBuffer, 0, length);
        final CommandResult result = new Reply().wrap(core.replyBuffer(), 0, replyLength).toResult();
        final List<RecordedEvent> events = new ArrayList<>();
        final int entryLength = core.entryLength();
        if (entryLength > 0)
        {
            final byte[] bytes = new byte[entryLength];
            core.entryBuffer().getBytes(0, bytes);
            history.add(bytes);
            decodeEvents(bytes, events);
        }
        checkStateMatchesHistory();
        checkReplyRoundTrip(result);
        return new Result(result, Collections.unmodifiableList(events), new ArrayList<>(errors));
    }

    /**
     * A reply is checked like a command and an event when the type declares its replies (the generated
     * {@code bind} does): its template must be one of them, and it must decode to exactly its own bytes.
     */
    private void checkReplyRoundTrip(final CommandResult result)
    {
        if (!definition.declaresReplies() || result.payloadLength() == 0)
        {
            return;
        }
        final UnsafeBuffer payload = result.payload();
        if (result.payloadLength() < SkeinProtocol.HEADER_LENGTH)
        {
            throw new AssertionError("the reply payload of " + result.payloadLength() + " bytes is shorter than a " +
                "message header");
        }
        headerDecoder.wrap(payload, 0);
        final MessageDecoderFlyweight decoder = definition.replyDecoder(headerDecoder.templateId());
        if (null == decoder || headerDecoder.schemaId() != definition.schemaId())
        {
            throw new AssertionError("the handler replied template " + headerDecoder.templateId() + " of schema " +
                headerDecoder.schemaId() + ", which aggregate type " + definition.name() + " does not declare as a " +
                "reply");
        }
        checkDecodes("reply", decoder, payload, result.payloadLength());
    }

    /**
     * Decode a message whose header is at offset 0 and require it to be exactly its own bytes.
     */
    private void checkDecodes(
        final String what, final MessageDecoderFlyweight decoder, final DirectBuffer buffer, final int length)
    {
        checkDecodes(what, decoder, buffer, 0, length);
    }

    /**
     * Decode a message whose header is at {@code offset} and require it to be exactly its own {@code length} bytes.
     */
    private void checkDecodes(
        final String what,
        final MessageDecoderFlyweight decoder,
        final DirectBuffer buffer,
        final int offset,
        final int length)
    {
        headerDecoder.wrap(buffer, offset);
        final int templateId = headerDecoder.templateId();
        if (SkeinProtocol.HEADER_LENGTH + headerDecoder.blockLength() > length)
        {
            throw new AssertionError(what + " (template " + templateId + ") of " + length + " bytes is shorter " +
                "than its header and block of " + headerDecoder.blockLength());
        }
        decoder.wrap(buffer, offset + SkeinProtocol.HEADER_LENGTH, headerDecoder.blockLength(),
            headerDecoder.version());
        final int decodedLength;
        try
        {
            decodedLength = decoder.sbeDecodedLength();
            decoder.appendTo(new StringBuilder());
        }
        catch (final RuntimeException ex)
        {
            throw new AssertionError(what + " (template " + templateId + ") does not decode: " + ex, ex);
        }
        if (decodedLength != length - SkeinProtocol.HEADER_LENGTH)
        {
            throw new AssertionError(what + " (template " + templateId + ") was encoded in " +
                (length - SkeinProtocol.HEADER_LENGTH) + " bytes but decodes as " + decodedLength);
        }
    }

    /**
     * The live state of the aggregate under test, or a fresh state if it does not exist yet. Read, do not change.
     *
     * @return the state.
     */
    @SuppressWarnings("unchecked")
    public S state()
    {
        final Object state = core.state(typeId, aggregateId);
        return (S)(null == state ? definition.newState() : state);
    }

    /**
     * The aggregate's current version: the number of events in its history.
     *
     * @return the version.
     */
    public long version()
    {
        return core.version(typeId, aggregateId);
    }

    /**
     * The version of another aggregate of the fixture's type.
     *
     * @param aggregateId of the aggregate.
     * @return its version, 0 if it does not exist.
     */
    public long version(final long aggregateId)
    {
        return core.version(typeId, aggregateId);
    }

    /**
     * The version of an aggregate of any type registered with the fixture.
     *
     * @param typeId      of the aggregate's type.
     * @param aggregateId of the aggregate.
     * @return its version, 0 if it does not exist.
     */
    public long version(final int typeId, final long aggregateId)
    {
        return core.version(typeId, aggregateId);
    }

    /**
     * The live state of an aggregate of any type registered with the fixture, or a fresh state if it does not
     * exist. Read, do not change.
     *
     * @param typeId      of the aggregate's type.
     * @param aggregateId of the aggregate.
     * @param <T>         that type's state class.
     * @return the state.
     * @throws IllegalArgumentException if the fixture has no such type.
     */
    @SuppressWarnings("unchecked")
    public <T> T state(final int typeId, final long aggregateId)
    {
        final AggregateDefinition<?> type = core.definition(typeId);
        if (null == type)
        {
            throw new IllegalArgumentException("the fixture has no aggregate type " + typeId);
        }
        final Object state = core.state(typeId, aggregateId);
        return (T)(null == state ? type.newState() : state);
    }

    /**
     * The live state of another aggregate of the fixture's type, or a fresh state if it does not exist. Read, do not
     * change.
     *
     * @param aggregateId of the aggregate.
     * @return the state.
     */
    @SuppressWarnings("unchecked")
    public S state(final long aggregateId)
    {
        final Object state = core.state(typeId, aggregateId);
        return (S)(null == state ? definition.newState() : state);
    }

    private void decodeEvents(final byte[] entryBytes, final List<RecordedEvent> events)
    {
        final JournalEvents entry = new JournalEvents().wrap(new UnsafeBuffer(entryBytes), 0, entryBytes.length);
        int i = 0;
        while (entry.next())
        {
            final DirectBuffer body = entry.event();
            checkRoundTrip("emitted event " + i++, core.definition(entry.aggregateTypeId()), body, 0, body.capacity());
            touched.add(new TypeAndId(entry.aggregateTypeId(), entry.aggregateId()));
            events.add(RecordedEvent.copyOf(entry));
        }
    }

    private void checkRoundTrip(
        final String what, final AggregateDefinition<?> type, final DirectBuffer buffer, final int offset,
        final int length)
    {
        if (length < SkeinProtocol.HEADER_LENGTH)
        {
            throw new AssertionError(what + " is shorter than a message header: " + length + " bytes");
        }
        headerDecoder.wrap(buffer, offset);
        final Binding<?> binding = type.binding(headerDecoder.templateId());
        if (null == binding)
        {
            throw new AssertionError(what + ": template " + headerDecoder.templateId() +
                " is not bound in aggregate type " + type.name());
        }
        checkDecodes(what, binding.decoder(), buffer, offset, length);
    }

    /**
     * Encode a message with its SBE header at offset 0 of a buffer, at the encoder's schema version.
     *
     * @return its length, header included.
     */
    private <E extends MessageEncoderFlyweight> int encodeMessage(
        final MutableDirectBuffer buffer, final E encoder, final Consumer<E> fill)
    {
        headerEncoder.wrap(buffer, 0)
            .blockLength(encoder.sbeBlockLength())
            .templateId(encoder.sbeTemplateId())
            .schemaId(encoder.sbeSchemaId())
            .version(encoder.sbeSchemaVersion());
        encoder.wrap(buffer, SkeinProtocol.HEADER_LENGTH);
        fill.accept(encoder);
        return SkeinProtocol.HEADER_LENGTH + encoder.encodedLength();
    }

    private void checkStateMatchesHistory()
    {
        rebuilt.reset();
        if (null != givenState)
        {
            rebuilt.restore(typeId, aggregateId, givenStateVersion, decodeGivenState());
        }
        for (final byte[] entry : history)
        {
            rebuilt.apply(new UnsafeBuffer(entry), 0, entry.length);
        }
        touched.add(new TypeAndId(typeId, aggregateId));
        for (final TypeAndId key : touched)
        {
            final AggregateDefinition<?> type = core.definition(key.typeId);
            final Object live = core.state(key.typeId, key.aggregateId);
            final Object expected = rebuilt.state(key.typeId, key.aggregateId);
            final Object liveState = null == live ? type.newState() : live;
            final Object expectedState = null == expected ? type.newState() : expected;
            if (!sameState(expectedState, liveState))
            {
                throw new AssertionError("aggregate " + type.name() + "/" + key.aggregateId +
                    ": live state differs from the state rebuilt from its events, so a handler changed state " +
                    "directly or an applier is not deterministic\n  live:    " + liveState + "\n  rebuilt: " +
                    expectedState);
            }
            checkStateCodec(type, key.aggregateId, live);
        }
    }

    /**
     * A type with a state codec has its state in snapshots: encoding the live state and decoding it into a new one
     * must give an equal state, or a restart from a snapshot would not be the state the journal built.
     */
    @SuppressWarnings("unchecked")
    private void checkStateCodec(final AggregateDefinition<?> type, final long id, final Object live)
    {
        final StateCodec<Object> codec = (StateCodec<Object>)type.stateCodec();
        if (null == codec || null == live)
        {
            return;
        }
        final ExpandableArrayBuffer encoded = new ExpandableArrayBuffer(256);
        final Object decoded = type.newState();
        final int length;
        try
        {
            length = codec.encode(live, encoded, 0);
            codec.decode(encoded, 0, length, decoded);
        }
        catch (final RuntimeException ex)
        {
            throw new AssertionError("aggregate " + type.name() + "/" + id + ": its state codec " +
                "failed on the live state " + live, ex);
        }
        if (!sameState(decoded, live))
        {
            throw new AssertionError("aggregate " + type.name() + "/" + id + ": the state codec " +
                "does not round-trip the state, so a restart from a snapshot would differ from the journal's state" +
                "\n  live:                  " + live + "\n  encoded then decoded: " + decoded);
        }
    }

    private boolean sameState(final Object a, final Object b)
    {
        if (ignoredStateFields.isEmpty())
        {
            return a.equals(b);
        }
        if (a.getClass() != b.getClass())
        {
            return false;
        }
        try
        {
            for (final Field field : stateFields(a.getClass()))
            {
                if (!ignoredStateFields.contains(field.getName()) && !Objects.deepEquals(field.get(a), field.get(b)))
                {
                    return false;
                }
            }
            return true;
        }
        catch (final IllegalAccessException ex)
        {
            throw new IllegalStateException("cannot read the state's fields to compare them: " + ex.getMessage(), ex);
        }
    }

    private static List<Field> stateFields(final Class<?> type)
    {
        final List<Field> fields = new ArrayList<>();
        for (Class<?> c = type; null != c && c != Object.class; c = c.getSuperclass())
        {
            for (final Field field : c.getDeclaredFields())
            {
                if (!Modifier.isStatic(field.getModifiers()))
                {
                    field.setAccessible(true);
                    fields.add(field);
                }
            }
        }
        return fields;
    }

    private static void requireEquals(final Object state)
    {
        try
        {
            if (state.getClass().getMethod("equals", Object.class).getDeclaringClass() == Object.class)
            {
                throw new IllegalStateException("the fixture compares states: " + state.getClass().getName() +
                    " must implement equals and hashCode");
            }
        }
        catch (final NoSuchMethodException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    /**
     * What a command did, with checks that fail with an {@link AssertionError} describing the actual outcome.
     */
    public final class Result
    {
        private final CommandResult result;
        private final List<RecordedEvent> events;
        private final List<Throwable> errors;

        Result(final CommandResult result, final List<RecordedEvent> events, final List<Throwable> errors)
        {
            this.result = result;
            this.events = events;
            this.errors = errors;
        }

        /**
         * The reply the command got.
         *
         * @return the reply.
         */
        public CommandResult result()
        {
            return result;
        }

        /**
         * The events the command emitted, in order.
         *
         * @return the events, empty unless accepted.
         */
        public List<RecordedEvent> events()
        {
            return events;
        }

        /**
         * Errors reported while the command ran (a handler that threw).
         *
         * @return the errors.
         */
        public List<Throwable> errors()
        {
            return errors;
        }

        /**
         * Expect a given outcome.
         *
         * @param outcome expected.
         * @return this for a fluent API.
         */
        public Result expectOutcome(final Outcome outcome)
        {
            if (result.outcome() != outcome)
            {
                throw new AssertionError("expected " + outcome + " but got " + describe());
            }
            return this;
        }

        /**
         * Expect the command to be accepted.
         *
         * @return this for a fluent API.
         */
        public Result expectAccepted()
        {
            return expectOutcome(Outcome.ACCEPTED);
        }

        /**
         * Expect the handler to reject the command with a domain code.
         *
         * @param code expected.
         * @return this for a fluent API.
         */
        public Result expectRejected(final int code)
        {
            if (result.outcome() != Outcome.REJECTED || result.reason() != RejectReason.DOMAIN ||
                result.rejectCode() != code)
            {
                throw new AssertionError("expected REJECTED with domain code " + code + " but got " + describe());
            }
            return this;
        }

        /**
         * Expect the command to be rejected for a reason of Skein's (bad input and the like).
         *
         * @param reason expected.
         * @return this for a fluent API.
         */
        public Result expectRejected(final RejectReason reason)
        {
            if (result.outcome() != Outcome.REJECTED || result.reason() != reason)
            {
                throw new AssertionError("expected REJECTED " + reason + " but got " + describe());
            }
            return this;
        }

        /**
         * Expect the aggregate's version in the reply.
         *
         * @param version expected.
         * @return this for a fluent API.
         */
        public Result expectVersion(final long version)
        {
            if (result.version() != version)
            {
                throw new AssertionError("expected version " + version + " but got " + describe());
            }
            return this;
        }

        /**
         * Expect no events.
         *
         * @return this for a fluent API.
         */
        public Result expectNoEvents()
        {
            return expectEventCount(0);
        }

        /**
         * Expect a number of events.
         *
         * @param count expected.
         * @return this for a fluent API.
         */
        public Result expectEventCount(final int count)
        {
            if (events.size() != count)
            {
                throw new AssertionError("expected " + count + " events but got " + events + " with " + describe());
            }
            return this;
        }

        /**
         * Expect the events of one aggregate (the command's own or another it changed), in order.
         *
         * @param aggregateId of the aggregate.
         * @param templateIds expected, one per event of that aggregate.
         * @return this for a fluent API.
         */
        public Result expectEventTemplatesOf(final long aggregateId, final int... templateIds)
        {
            return expectEventTemplatesOf(typeId, aggregateId, templateIds);
        }

        /**
         * Expect the templates of the events the command emitted to one aggregate of any type registered with the
         * fixture, in order.
         *
         * @param typeId      of the aggregate's type.
         * @param aggregateId of the aggregate.
         * @param templateIds expected, one per event of that aggregate.
         * @return this for a fluent API.
         */
        public Result expectEventTemplatesOf(final int typeId, final long aggregateId, final int... templateIds)
        {
            final List<Integer> actual = new ArrayList<>();
            for (final RecordedEvent event : events)
            {
                if (event.aggregateTypeId() == typeId && event.aggregateId() == aggregateId)
                {
                    actual.add(event.templateId());
                }
            }
            final List<Integer> expected = new ArrayList<>();
            for (final int templateId : templateIds)
            {
                expected.add(templateId);
            }
            if (!expected.equals(actual))
            {
                throw new AssertionError("expected event templates " + expected + " on aggregate " + typeId + "/" +
                    aggregateId +
                    " but got " + actual + " (all events: " + events + ")");
            }
            return this;
        }

        /**
         * Expect the events' templates, in order.
         *
         * @param templateIds expected, one per event.
         * @return this for a fluent API.
         */
        public Result expectEventTemplates(final int... templateIds)
        {
            boolean matches = templateIds.length == events.size();
            for (int i = 0; matches && i < templateIds.length; i++)
            {
                matches = events.get(i).templateId() == templateIds[i];
            }
            if (!matches)
            {
                throw new AssertionError("expected event templates " + java.util.Arrays.toString(templateIds) +
                    " but got " + events);
            }
            return this;
        }

        /**
         * Expect the event at an index to be of the decoder's template, and check it.
         *
         * @param index   of the event.
         * @param decoder of the expected template.
         * @param check   of the decoded event, throwing an AssertionError if wrong.
         * @param <D>     the decoder type.
         * @return this for a fluent API.
         */
        public <D extends MessageDecoderFlyweight> Result expectEvent(
            final int index, final D decoder, final Consumer<D> check)
        {
            final RecordedEvent event = eventAt(index);
            if (event.templateId() != decoder.sbeTemplateId())
            {
                throw new AssertionError("expected event " + index + " to be template " + decoder.sbeTemplateId() +
                    " but it is " + event);
            }
            check.accept(event.decode(decoder));
            return this;
        }

        /**
         * Expect the event at an index to be, field for field, the one an encoder writes: the expected event is
         * encoded (header and block at the encoder's schema version, then its var data) and compared byte for byte
         * with the actual one, and a mismatch shows both. Compared by value, so no decoder lambda is needed:
         * {@code expectEventEquals(0, new DepositedEncoder(), (e) -> e.amount(50))}.
         *
         * @param index   of the event in this command's events.
         * @param encoder of the expected template.
         * @param fill    writes the expected fields.
         * @param <E>     the encoder type.
         * @return this for a fluent API.
         */
        public <E extends MessageEncoderFlyweight> Result expectEventEquals(
            final int index, final E encoder, final Consumer<E> fill)
        {
            final RecordedEvent event = eventAt(index);
            final ExpandableArrayBuffer expected = new ExpandableArrayBuffer(256);
            final int expectedLength = encodeMessage(expected, encoder, fill);
            final DirectBuffer actual = event.buffer();
            boolean same = event.length() == expectedLength;
            for (int i = 0; same && i < expectedLength; i++)
            {
                same = actual.getByte(i) == expected.getByte(i);
            }
            if (!same)
            {
                throw new AssertionError("event " + index + " differs from the expected one:\n  expected " +
                    encoder + " (template " + encoder.sbeTemplateId() + ", " + expectedLength + " bytes)\n  actual   " +
                    event + " (" + event.length() + " bytes: " + hex(actual, event.length()) + ")");
            }
            return this;
        }

        private RecordedEvent eventAt(final int index)
        {
            if (index < 0 || index >= events.size())
            {
                throw new AssertionError("expected an event at index " + index + " but got " + events);
            }
            return events.get(index);
        }

        private String hex(final DirectBuffer buffer, final int length)
        {
            final StringBuilder sb = new StringBuilder();
            for (int i = 0; i < Math.min(length, 64); i++)
            {
                sb.append(String.format("%02x", buffer.getByte(i) & 0xFF));
            }
            return length > 64 ? sb.append("...").toString() : sb.toString();
        }

        /**
         * Expect a reply payload of the decoder's template, and check it.
         *
         * @param decoder of the expected reply template.
         * @param check   of the decoded reply, throwing an AssertionError if wrong.
         * @param <D>     the decoder type.
         * @return this for a fluent API.
         */
        public <D extends MessageDecoderFlyweight> Result expectReply(final D decoder, final Consumer<D> check)
        {
            if (result.payloadLength() < SkeinProtocol.HEADER_LENGTH)
            {
                throw new AssertionError("expected a reply payload but got " + describe());
            }
            final UnsafeBuffer payload = result.payload();
            headerDecoder.wrap(payload, 0);
            if (headerDecoder.templateId() != decoder.sbeTemplateId() ||
                headerDecoder.schemaId() != decoder.sbeSchemaId())
            {
                throw new AssertionError("expected reply template " + decoder.sbeTemplateId() + " but got " +
                    headerDecoder.templateId() + " of schema " + headerDecoder.schemaId());
            }
            checkDecodes("reply", decoder, payload, payload.capacity());
            check.accept(decoder);
            return this;
        }

        /**
         * Check the live state after the command.
         *
         * @param check of the state, throwing an AssertionError if wrong.
         * @return this for a fluent API.
         */
        public Result expectState(final Consumer<S> check)
        {
            check.accept(state());
            return this;
        }

        /**
         * Expect the live state to equal a given state.
         *
         * @param expected state.
         * @return this for a fluent API.
         */
        public Result expectState(final S expected)
        {
            final S actual = state();
            if (!expected.equals(actual))
            {
                throw new AssertionError("expected state " + expected + " but got " + actual);
            }
            return this;
        }

        /**
         * Go back to the fixture to send another command on top of this one's events.
         *
         * @return the fixture.
         */
        public AggregateFixture<S> and()
        {
            return AggregateFixture.this;
        }

        private String describe()
        {
            return result.toString();
        }
    }

    private static final class MutableClock implements EpochNanoClock
    {
        long timeNs = 1_000_000_000L;

        @Override
        public long nanoTime()
        {
            return timeNs;
        }
    }

    private record TypeAndId(int typeId, long aggregateId)
    {
    }
}
