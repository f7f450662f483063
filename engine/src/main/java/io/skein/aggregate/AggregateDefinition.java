package io.skein.aggregate;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.function.Supplier;

import io.skein.protocol.EventUpcaster;
import org.agrona.DirectBuffer;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.sbe.MessageDecoderFlyweight;

/**
 * The description of one aggregate type, filled in by {@link Aggregate#define(AggregateDefinition)}: a numeric type
 * id, a name, a state factory, and bindings from SBE templates to command handlers, query handlers and event
 * appliers. All templates of one aggregate type come from one SBE schema, which must use the standard 8-byte message
 * header.
 *
 * @param <S> the aggregate's state type.
 */
public final class AggregateDefinition<S>
{
    private int typeId;
    private String name;
    private Supplier<S> stateFactory;
    private StateCodec<S> stateCodec;
    private EventUpcaster upcaster;
    private String schemaResource;
    private int schemaId = -1;
    private int schemaVersion = -1;
    /**
     * Template ids below this are looked up in an array (one load, no hashing: the writer does it for every command
     * and every event); larger ones, rare in practice, in the map.
     */
    private static final int DENSE_TEMPLATE_LIMIT = 1024;

    private final Int2ObjectHashMap<Binding<S>> bindings = new Int2ObjectHashMap<>();
    @SuppressWarnings("unchecked")
    private Binding<S>[] byTemplate = new Binding[0];
    private final List<Binding<S>> ordered = new ArrayList<>();
    private final Int2ObjectHashMap<MessageDecoderFlyweight> replies = new Int2ObjectHashMap<>();

    /**
     * Set the numeric id commands use to address this aggregate type.
     *
     * @param typeId a positive id, unique within an engine.
     * @return this for a fluent API.
     */
    public AggregateDefinition<S> typeId(final int typeId)
    {
        this.typeId = typeId;
        return this;
    }

    /**
     * The numeric id commands use to address this aggregate type.
     *
     * @return the type id.
     */
    public int typeId()
    {
        return typeId;
    }

    /**
     * Set the readable name of this aggregate type, used in tools and errors.
     *
     * @param name of the type.
     * @return this for a fluent API.
     */
    public AggregateDefinition<S> name(final String name)
    {
        this.name = name;
        return this;
    }

    /**
     * The readable name of this aggregate type.
     *
     * @return the name.
     */
    public String name()
    {
        return name;
    }

    /**
     * Set the factory for the state of an aggregate that does not exist yet.
     *
     * @param stateFactory returning a new, empty state on every call.
     * @return this for a fluent API.
     */
    public AggregateDefinition<S> state(final Supplier<S> stateFactory)
    {
        this.stateFactory = stateFactory;
        return this;
    }

    /**
     * Set how this type's state is encoded in snapshots.
     *
     * @param codec for the state.
     * @return this for a fluent API.
     */
    public AggregateDefinition<S> snapshot(final StateCodec<S> codec)
    {
        this.stateCodec = codec;
        return this;
    }

    /**
     * How this type's state is encoded in snapshots.
     *
     * @return the codec, or null if the type cannot be snapshotted.
     */
    public StateCodec<S> stateCodec()
    {
        return stateCodec;
    }

    /**
     * Rewrite this type's stored events that SBE's additive rules cannot carry forward into their current form as
     * they are read back: recovery, the follower tail, time travel, history, subscriptions, projections and the
     * tools all see the current form, so appliers and projections only know the current events. See
     * {@link EventUpcaster} for the contract.
     *
     * @param upcaster for this type's events.
     * @return this for a fluent API.
     */
    public AggregateDefinition<S> upcaster(final EventUpcaster upcaster)
    {
        this.upcaster = upcaster;
        return this;
    }

    /**
     * The upcaster of this type's stored events.
     *
     * @return the upcaster, or null if the type has none.
     */
    public EventUpcaster upcaster()
    {
        return upcaster;
    }

    /**
     * Name the classpath resource holding the SBE XML schema of this type's commands, events and replies, so tools
     * (journal dump, send) can read and write them as text without generated code.
     *
     * @param resource path of the schema on the classpath, e.g. {@code "io/skein/examples/bank/bank-schema.xml"}.
     * @return this for a fluent API.
     */
    public AggregateDefinition<S> schema(final String resource)
    {
        this.schemaResource = resource;
        return this;
    }

    /**
     * The classpath resource holding this type's SBE XML schema.
     *
     * @return the resource path, or null if none was named.
     */
    public String schemaResource()
    {
        return schemaResource;
    }

    /**
     * A new, empty state.
     *
     * @return a state from the factory.
     */
    public S newState()
    {
        return stateFactory.get();
    }

    /**
     * The SBE schema id of this type's messages, known once a binding has been added.
     *
     * @return the schema id, or -1 before any binding.
     */
    public int schemaId()
    {
        return schemaId;
    }

    /**
     * The SBE schema version this type's code was generated from.
     *
     * @return the schema version, or -1 before any binding.
     */
    public int schemaVersion()
    {
        return schemaVersion;
    }

    /**
     * Bind a command template to its handler.
     *
     * @param decoder for the command, owned by this definition from now on.
     * @param handler deciding the command.
     * @param <C>     the decoder type.
     * @return this for a fluent API.
     */
    public <C extends MessageDecoderFlyweight> AggregateDefinition<S> command(
        final C decoder, final CommandHandler<S, C> handler)
    {
        return add(new Binding<>(Kind.COMMAND, decoder, handler, null, null));
    }

    /**
     * Bind a read-only query template to its handler.
     *
     * @param decoder for the query, owned by this definition from now on.
     * @param handler answering the query.
     * @param <Q>     the decoder type.
     * @return this for a fluent API.
     */
    public <Q extends MessageDecoderFlyweight> AggregateDefinition<S> query(
        final Q decoder, final QueryHandler<S, Q> handler)
    {
        return add(new Binding<>(Kind.QUERY, decoder, null, handler, null));
    }

    /**
     * Bind an event template to its applier.
     *
     * @param decoder for the event, owned by this definition from now on.
     * @param applier changing state.
     * @param <E>     the decoder type.
     * @return this for a fluent API.
     */
    public <E extends MessageDecoderFlyweight> AggregateDefinition<S> event(
        final E decoder, final EventApplier<S, E> applier)
    {
        return add(new Binding<>(Kind.EVENT, decoder, null, null, applier));
    }

    /**
     * Declare a reply template handlers of this type answer with, so tools and the test kit can decode and check
     * replies (the engine itself never decodes them). The generated {@code bind} declares every reply the schema
     * names.
     *
     * @param decoder for the reply, owned by this definition from now on.
     * @param <R>     the decoder type.
     * @return this for a fluent API.
     * @throws IllegalArgumentException if the template is already a reply, command, query or event of this type.
     */
    public <R extends MessageDecoderFlyweight> AggregateDefinition<S> reply(final R decoder)
    {
        if (replies.containsKey(decoder.sbeTemplateId()) || bindings.containsKey(decoder.sbeTemplateId()))
        {
            throw new IllegalArgumentException(
                "aggregate type " + name + ": template " + decoder.sbeTemplateId() + " is bound twice");
        }
        replies.put(decoder.sbeTemplateId(), decoder);
        return this;
    }

    /**
     * The decoder of a declared reply template, or null if the template is not a declared reply.
     *
     * @param templateId of the reply's SBE message.
     * @return the decoder or null.
     */
    public MessageDecoderFlyweight replyDecoder(final int templateId)
    {
        return replies.get(templateId);
    }

    /**
     * Whether any reply template is declared: the test kit then refuses a reply of an undeclared one.
     *
     * @return true if {@link #reply} was called.
     */
    public boolean declaresReplies()
    {
        return !replies.isEmpty();
    }

    /**
     * The binding for a template id, or null if the template is not part of this type.
     *
     * @param templateId of the SBE message.
     * @return the binding or null.
     */
    public Binding<S> binding(final int templateId)
    {
        if (templateId >= 0 && templateId < byTemplate.length)
        {
            return byTemplate[templateId];
        }
        return templateId >= 0 && templateId < DENSE_TEMPLATE_LIMIT ? null : bindings.get(templateId);
    }

    /**
     * Every binding, in the order they were defined.
     *
     * @return an unmodifiable list of bindings.
     */
    public List<Binding<S>> bindings()
    {
        return Collections.unmodifiableList(ordered);
    }

    /**
     * Check the definition is complete and consistent.
     *
     * @return this once valid.
     * @throws IllegalStateException naming what is wrong.
     */
    public AggregateDefinition<S> validate()
    {
        if (typeId <= 0)
        {
            throw new IllegalStateException("aggregate typeId must be positive: " + typeId + " (" + name + ")");
        }
        if (null == name || name.isEmpty())
        {
            throw new IllegalStateException("aggregate type " + typeId + " has no name");
        }
        if (null == stateFactory)
        {
            throw new IllegalStateException("aggregate type " + name + " has no state factory");
        }
        if (null == stateFactory.get())
        {
            throw new IllegalStateException("aggregate type " + name + " state factory returned null");
        }
        boolean hasCommand = false;
        for (final Binding<S> binding : ordered)
        {
            hasCommand |= binding.kind != Kind.EVENT;
        }
        if (!hasCommand)
        {
            throw new IllegalStateException("aggregate type " + name + " has no command or query handlers");
        }
        return this;
    }

    private AggregateDefinition<S> add(final Binding<S> binding)
    {
        final MessageDecoderFlyweight decoder = binding.decoder;
        if (-1 == schemaId)
        {
            schemaId = decoder.sbeSchemaId();
            schemaVersion = decoder.sbeSchemaVersion();
        }
        else if (decoder.sbeSchemaId() != schemaId)
        {
            throw new IllegalArgumentException("aggregate type " + name + ": template " + decoder.sbeTemplateId() +
                " is from schema " + decoder.sbeSchemaId() + " but earlier templates are from schema " + schemaId);
        }
        if (replies.containsKey(decoder.sbeTemplateId()) ||
            null != bindings.putIfAbsent(decoder.sbeTemplateId(), binding))
        {
            throw new IllegalArgumentException(
                "aggregate type " + name + ": template " + decoder.sbeTemplateId() + " is bound twice");
        }
        final int templateId = decoder.sbeTemplateId();
        if (templateId >= 0 && templateId < DENSE_TEMPLATE_LIMIT)
        {
            if (templateId >= byTemplate.length)
            {
                byTemplate = Arrays.copyOf(byTemplate, templateId + 1);
            }
            byTemplate[templateId] = binding;
        }
        ordered.add(binding);
        return this;
    }

    /**
     * What a template is to an aggregate type.
     */
    public enum Kind
    {
        /**
         * A command that may emit events.
         */
        COMMAND,

        /**
         * A read-only query.
         */
        QUERY,

        /**
         * An event, applied to state.
         */
        EVENT
    }

    /**
     * One template bound to its handler or applier, with the decoder the engine wraps over each message. Its dispatch
     * methods ({@code onCommand}, {@code onQuery}, {@code apply}) are the engine's: public only because the engine
     * lives in another package; aggregate code never calls them.
     *
     * @param <S> the aggregate's state type.
     */
    public static final class Binding<S>
    {
        private final Kind kind;
        private final MessageDecoderFlyweight decoder;
        @SuppressWarnings("rawtypes")
        private final CommandHandler commandHandler;
        @SuppressWarnings("rawtypes")
        private final QueryHandler queryHandler;
        @SuppressWarnings("rawtypes")
        private final EventApplier eventApplier;

        @SuppressWarnings("rawtypes")
        Binding(
            final Kind kind,
            final MessageDecoderFlyweight decoder,
            final CommandHandler commandHandler,
            final QueryHandler queryHandler,
            final EventApplier eventApplier)
        {
            if (null == decoder)
            {
                throw new NullPointerException("decoder");
            }
            if (null == commandHandler && null == queryHandler && null == eventApplier)
            {
                throw new NullPointerException("handler for template " + decoder.sbeTemplateId());
            }
            this.kind = kind;
            this.decoder = decoder;
            this.commandHandler = commandHandler;
            this.queryHandler = queryHandler;
            this.eventApplier = eventApplier;
        }

        /**
         * What the template is: command, query or event.
         *
         * @return the kind.
         */
        public Kind kind()
        {
            return kind;
        }

        /**
         * The SBE template id.
         *
         * @return the template id.
         */
        public int templateId()
        {
            return decoder.sbeTemplateId();
        }

        /**
         * The block length the decoder was generated with.
         *
         * @return the block length in bytes.
         */
        public int blockLength()
        {
            return decoder.sbeBlockLength();
        }

        /**
         * The decoder for this template, as last wrapped.
         *
         * @return the decoder.
         */
        public MessageDecoderFlyweight decoder()
        {
            return decoder;
        }

        /**
         * Wrap the decoder over a message body and run the command handler.
         *
         * @param buffer      holding the message.
         * @param offset      of the body, after the message header.
         * @param blockLength acting block length from the header.
         * @param version     acting schema version from the header.
         * @param state       of the aggregate.
         * @param context     for the handler.
         */
        @SuppressWarnings("unchecked")
        public void onCommand(
            final DirectBuffer buffer,
            final int offset,
            final int blockLength,
            final int version,
            final S state,
            final CommandContext context)
        {
            decoder.wrap(buffer, offset, blockLength, version);
            commandHandler.onCommand(decoder, state, context);
        }

        /**
         * Wrap the decoder over a message body and run the query handler.
         *
         * @param buffer      holding the message.
         * @param offset      of the body, after the message header.
         * @param blockLength acting block length from the header.
         * @param version     acting schema version from the header.
         * @param state       of the aggregate.
         * @param context     for the handler.
         */
        @SuppressWarnings("unchecked")
        public void onQuery(
            final DirectBuffer buffer,
            final int offset,
            final int blockLength,
            final int version,
            final S state,
            final QueryContext context)
        {
            decoder.wrap(buffer, offset, blockLength, version);
            queryHandler.onQuery(decoder, state, context);
        }

        /**
         * Wrap the decoder over an event body and apply it.
         *
         * @param buffer      holding the event.
         * @param offset      of the body, after the message header.
         * @param blockLength acting block length from the header.
         * @param version     acting schema version from the header.
         * @param state       of the aggregate.
         */
        @SuppressWarnings("unchecked")
        public void apply(
            final DirectBuffer buffer, final int offset, final int blockLength, final int version, final S state)
        {
            decoder.wrap(buffer, offset, blockLength, version);
            eventApplier.apply(decoder, state);
        }
    }
}
