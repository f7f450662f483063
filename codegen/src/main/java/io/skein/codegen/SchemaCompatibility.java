package io.skein.codegen;

import java.io.File;
import java.io.FileInputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

import uk.co.real_logic.sbe.ir.Ir;
import uk.co.real_logic.sbe.ir.Signal;
import uk.co.real_logic.sbe.ir.Token;
import uk.co.real_logic.sbe.xml.IrGenerator;
import uk.co.real_logic.sbe.xml.ParserOptions;
import uk.co.real_logic.sbe.xml.XmlSchemaParser;

/**
 * The compatibility gate between a released SBE schema and the current one, by SBE's rules, so that every journal and
 * snapshot written by a released version stays readable and the released code can still read what the current one
 * writes:
 * <ul>
 *     <li>the schema id stays, and the version only goes up (and goes up when anything is added);</li>
 *     <li>no message is removed and no template id is reused; a new message has a {@code sinceVersion} newer than
 *     the released version;</li>
 *     <li>a released field, group or var data keeps its id, type, offset and length, in its place; new fields go at
 *     the end of the block, new groups and var data after the released ones, each with a {@code sinceVersion} newer
 *     than the released version; a block never shrinks;</li>
 *     <li>an enum keeps every released value's name and number, and no number is given to another name.</li>
 * </ul>
 * Each breaking change is reported naming the message and the field. Renaming is allowed: names are not on the wire.
 * Run it from a build with {@link #main} ({@code SchemaCompatibility <current.xml> <released.xml or directory>...})
 * or with {@code skein schema check}.
 */
public final class SchemaCompatibility
{
    private SchemaCompatibility()
    {
    }

    /**
     * Check a current schema against released ones and exit 1 listing the breaking changes, if any.
     *
     * @param args the current schema, then released schemas or directories of them ({@code *.xml}).
     * @throws Exception if a schema cannot be read.
     */
    public static void main(final String[] args) throws Exception
    {
        if (args.length == 3 && "--history".equals(args[0]))
        {
            final List<String> report = new ArrayList<>();
            final List<String> problems = checkHistory(currentFiles(args[2]), new File(args[1]), report);
            report.forEach(System.out::println);
            problems.forEach(System.err::println);
            if (!problems.isEmpty())
            {
                System.exit(1);
            }
            return;
        }
        if (args.length < 2)
        {
            System.err.println("usage: SchemaCompatibility <current.xml> <released.xml | directory of them>...");
            System.err.println("       SchemaCompatibility --history <directory> <current.xml>[,<current.xml>...]");
            System.exit(2);
        }
        final List<String> problems = check(new File(args[0]), releasedFiles(args, 1));
        problems.forEach(System.err::println);
        if (!problems.isEmpty())
        {
            System.exit(1);
        }
        System.out.println(args[0] + " is compatible with " + releasedFiles(args, 1).size() + " released schema(s)");
    }

    /**
     * The released schemas named by paths: files as given, directories as every {@code *.xml} in them, sorted.
     *
     * @param paths of files and directories.
     * @param from  the first index of {@code paths} to use.
     * @return the files.
     * @throws IllegalArgumentException if a path does not exist or a directory holds no schema.
     */
    public static List<File> releasedFiles(final String[] paths, final int from)
    {
        final List<File> files = new ArrayList<>();
        for (int i = from; i < paths.length; i++)
        {
            final File path = new File(paths[i]);
            if (path.isDirectory())
            {
                final File[] schemas = path.listFiles((file) -> file.getName().endsWith(".xml"));
                if (null == schemas || schemas.length == 0)
                {
                    throw new IllegalArgumentException(path + " holds no released schema (*.xml)");
                }
                Arrays.sort(schemas);
                files.addAll(List.of(schemas));
            }
            else if (path.isFile())
            {
                files.add(path);
            }
            else
            {
                throw new IllegalArgumentException(path + " does not exist");
            }
        }
        return files;
    }

    private static List<File> currentFiles(final String commaSeparated)
    {
        final List<File> files = new ArrayList<>();
        for (final String path : commaSeparated.split(","))
        {
            if (!path.isBlank())
            {
                files.add(new File(path.trim()));
            }
        }
        return files;
    }

    /**
     * Check current schemas against a history directory of released ones (any depth, {@code *.xml}), each against
     * the released schemas with its schema id: what a build runs on every change. A history that does not exist yet
     * (nothing released) passes, and says so.
     *
     * @param current the schemas now.
     * @param history the directory of released schemas.
     * @param report  receives a line per current schema: how many released versions it was checked against.
     * @return every breaking change, and every released schema id no current schema has (a removed schema, or a
     *         changed id); empty if compatible.
     * @throws Exception if a schema cannot be read.
     */
    public static List<String> checkHistory(final List<File> current, final File history, final List<String> report)
        throws Exception
    {
        final List<String> problems = new ArrayList<>();
        if (!history.isDirectory())
        {
            report.add("no schema history in " + history + ": nothing released to check against (keep each " +
                "released schema there, one file per version)");
            return problems;
        }
        final Map<Integer, List<File>> releasedById = new TreeMap<>();
        try (Stream<Path> files = Files.walk(history.toPath()))
        {
            for (final Path file : files.filter((path) -> path.toString().endsWith(".xml")).sorted().toList())
            {
                releasedById.computeIfAbsent(parse(file.toFile()).id(), (id) -> new ArrayList<>()).add(file.toFile());
            }
        }
        final Set<Integer> currentIds = new HashSet<>();
        for (final File schema : current)
        {
            final int id = parse(schema).id();
            currentIds.add(id);
            final List<File> released = releasedById.getOrDefault(id, List.of());
            problems.addAll(check(schema, released));
            report.add(schema.getName() + " (schema " + id + "): checked against " + released.size() +
                " released version(s) in " + history);
        }
        for (final Map.Entry<Integer, List<File>> released : releasedById.entrySet())
        {
            if (!currentIds.contains(released.getKey()))
            {
                problems.add("schema " + released.getKey() + " was released (" + released.getValue().get(0) +
                    ") but no current schema has that id: a released schema was removed or its id changed");
            }
        }
        return problems;
    }

    /**
     * Check a current schema against released ones.
     *
     * @param current  the schema now.
     * @param released the schemas as released.
     * @return every breaking change, each prefixed by the released file it breaks.
     * @throws Exception if a schema cannot be read.
     */
    public static List<String> check(final File current, final List<File> released) throws Exception
    {
        final Ir now = parse(current);
        final List<String> problems = new ArrayList<>();
        for (final File file : released)
        {
            for (final String problem : breakingChanges(parse(file), now))
            {
                problems.add(current.getName() + " against " + file.getName() + ": " + problem);
            }
        }
        return problems;
    }

    /**
     * Parse a schema file as sbe-tool does, validation errors fatal.
     *
     * @param schema the XML file.
     * @return its intermediate representation.
     * @throws Exception if it cannot be read or is invalid.
     */
    public static Ir parse(final File schema) throws Exception
    {
        try (InputStream in = new FileInputStream(schema))
        {
            return parse(in);
        }
    }

    /**
     * Parse a schema as sbe-tool does, validation errors fatal.
     *
     * @param schema the XML.
     * @return its intermediate representation.
     * @throws Exception if it cannot be read or is invalid.
     */
    public static Ir parse(final InputStream schema) throws Exception
    {
        return new IrGenerator().generate(XmlSchemaParser.parse(schema, ParserOptions.builder().stopOnError(true)
            .build()));
    }

    /**
     * Every change from a released schema to the current one that breaks SBE's compatibility rules.
     *
     * @param released the schema as released.
     * @param current  the schema now.
     * @return the breaking changes, each naming what changed; empty if compatible.
     */
    public static List<String> breakingChanges(final Ir released, final Ir current)
    {
        final List<String> problems = new ArrayList<>();
        if (released.id() != current.id())
        {
            problems.add("schema id changed from " + released.id() + " to " + current.id());
            return problems;
        }
        if (current.version() < released.version())
        {
            problems.add("schema version went down from " + released.version() + " to " + current.version());
        }
        final Map<Integer, List<Token>> releasedMessages = messages(released);
        final Map<Integer, List<Token>> currentMessages = messages(current);
        boolean added = false;
        for (final Map.Entry<Integer, List<Token>> entry : releasedMessages.entrySet())
        {
            final List<Token> now = currentMessages.get(entry.getKey());
            final Token was = entry.getValue().get(0);
            if (null == now)
            {
                problems.add("message " + was.name() + " (template " + was.id() + ") was removed");
                continue;
            }
            final String where = "message " + now.get(0).name() + " (template " + was.id() + ")";
            if (now.get(0).encodedLength() < was.encodedLength())
            {
                problems.add(where + ": block shrank from " + was.encodedLength() + " to " +
                    now.get(0).encodedLength() + " bytes");
            }
            added |= compareMembers(where, members(entry.getValue(), 1), members(now, 1), released.version(),
                was.encodedLength(), problems);
        }
        for (final Map.Entry<Integer, List<Token>> entry : currentMessages.entrySet())
        {
            if (!releasedMessages.containsKey(entry.getKey()))
            {
                added = true;
                final Token message = entry.getValue().get(0);
                if (message.version() <= released.version())
                {
                    problems.add("new message " + message.name() + " (template " + message.id() + ") needs " +
                        "sinceVersion above " + released.version() + " (it has " + message.version() + ")");
                }
            }
        }
        compareEnums(released, current, problems);
        if (added && current.version() <= released.version())
        {
            problems.add("schema version must go up from " + released.version() + " when messages, fields, " +
                "groups or var data are added (it is " + current.version() + ")");
        }
        return problems;
    }

    private static Map<Integer, List<Token>> messages(final Ir ir)
    {
        final Map<Integer, List<Token>> messages = new LinkedHashMap<>();
        for (final List<Token> tokens : ir.messages())
        {
            messages.put((int)tokens.get(0).id(), tokens);
        }
        return messages;
    }

    /**
     * One field, group or var data of a message or group: its first token, the token of its type (for a field), and
     * its own tokens (for a group).
     */
    private static final class Member
    {
        final Token token;
        final Token type;
        final List<Token> body;

        Member(final Token token, final Token type, final List<Token> body)
        {
            this.token = token;
            this.type = type;
            this.body = body;
        }

        String kind()
        {
            return token.signal() == Signal.BEGIN_FIELD ? "field" : token.signal() == Signal.BEGIN_GROUP ? "group" :
                "var data";
        }
    }

    /**
     * The direct members of a message or group, whose tokens start at {@code from} (after its BEGIN token).
     */
    private static List<Member> members(final List<Token> tokens, final int from)
    {
        final List<Member> members = new ArrayList<>();
        int i = from;
        while (i < tokens.size())
        {
            final Token token = tokens.get(i);
            final Signal signal = token.signal();
            if (signal == Signal.END_MESSAGE || signal == Signal.END_GROUP)
            {
                break;
            }
            final Signal end = signal == Signal.BEGIN_FIELD ? Signal.END_FIELD : signal == Signal.BEGIN_GROUP ?
                Signal.END_GROUP : signal == Signal.BEGIN_VAR_DATA ? Signal.END_VAR_DATA : null;
            if (null == end)
            {
                i++;
                continue;
            }
            final int last = endOf(tokens, i, signal, end);
            final List<Token> body = tokens.subList(i, last + 1);
            members.add(new Member(token, signal == Signal.BEGIN_FIELD ? tokens.get(i + 1) : null, body));
            i = last + 1;
        }
        return members;
    }

    private static int endOf(final List<Token> tokens, final int start, final Signal begin, final Signal end)
    {
        int depth = 0;
        for (int i = start; i < tokens.size(); i++)
        {
            if (tokens.get(i).signal() == begin)
            {
                depth++;
            }
            else if (tokens.get(i).signal() == end && --depth == 0)
            {
                return i;
            }
        }
        throw new IllegalStateException("no " + end + " for " + tokens.get(start).name());
    }

    /**
     * Compare the released members of a message or group with the current ones.
     *
     * @return whether the current one adds members.
     */
    private static boolean compareMembers(
        final String where,
        final List<Member> was,
        final List<Member> now,
        final int releasedVersion,
        final int releasedBlockLength,
        final List<String> problems)
    {
        final Map<Long, Member> nowById = new LinkedHashMap<>();
        for (final Member member : now)
        {
            nowById.put((long)member.token.id(), member);
        }
        final Map<Long, Member> wasById = new LinkedHashMap<>();
        for (final Member member : was)
        {
            wasById.put((long)member.token.id(), member);
        }
        for (final Member old : was)
        {
            final String what = where + " " + old.kind() + " " + old.token.name() + " (id " + old.token.id() + ")";
            final Member current = nowById.get((long)old.token.id());
            if (null == current)
            {
                problems.add(what + " was removed");
                continue;
            }
            if (current.token.signal() != old.token.signal())
            {
                problems.add(what + " became a " + current.kind());
                continue;
            }
            if (current.token.version() != old.token.version())
            {
                problems.add(what + ": sinceVersion changed from " + old.token.version() + " to " +
                    current.token.version());
            }
            if (old.token.signal() == Signal.BEGIN_FIELD)
            {
                final String oldType = describe(old.type);
                final String newType = describe(current.type);
                if (!oldType.equals(newType))
                {
                    problems.add(what + ": type changed from " + oldType + " to " + newType);
                }
                if (current.type.offset() != old.type.offset())
                {
                    problems.add(what + ": offset moved from " + old.type.offset() + " to " + current.type.offset());
                }
            }
            else if (old.token.signal() == Signal.BEGIN_GROUP)
            {
                final Token oldGroup = old.body.get(0);
                final Token newGroup = current.body.get(0);
                if (newGroup.encodedLength() < oldGroup.encodedLength())
                {
                    problems.add(what + ": block shrank from " + oldGroup.encodedLength() + " to " +
                        newGroup.encodedLength() + " bytes");
                }
                compareMembers(what, members(old.body, 1), members(current.body, 1), releasedVersion,
                    oldGroup.encodedLength(), problems);
            }
        }
        boolean added = false;
        int lastReleasedIndex = -1;
        for (int i = 0; i < now.size(); i++)
        {
            if (wasById.containsKey((long)now.get(i).token.id()))
            {
                lastReleasedIndex = i;
            }
        }
        for (int i = 0; i < now.size(); i++)
        {
            final Member member = now.get(i);
            if (wasById.containsKey((long)member.token.id()))
            {
                continue;
            }
            added = true;
            final String what = where + " new " + member.kind() + " " + member.token.name() + " (id " +
                member.token.id() + ")";
            if (member.token.version() <= releasedVersion)
            {
                problems.add(what + " needs sinceVersion above " + releasedVersion + " (it has " +
                    member.token.version() + ")");
            }
            if (member.token.signal() == Signal.BEGIN_FIELD)
            {
                if (member.type.offset() < releasedBlockLength)
                {
                    problems.add(what + " is not at the end of the block: offset " + member.type.offset() +
                        " is inside the released block of " + releasedBlockLength + " bytes");
                }
            }
            else if (i < lastReleasedIndex)
            {
                problems.add(what + " comes before a released group or var data: new ones go after them");
            }
        }
        return added;
    }

    private static String describe(final Token type)
    {
        final Signal signal = type.signal();
        if (signal == Signal.ENCODING)
        {
            return type.encoding().primitiveType() + (type.arrayLength() > 1 ? "[" + type.arrayLength() + "]" : "");
        }
        return signal.name().replace("BEGIN_", "").toLowerCase() + " " + type.applicableTypeName() + " of " +
            type.encodedLength() + " bytes";
    }

    private static void compareEnums(final Ir released, final Ir current, final List<String> problems)
    {
        final Map<String, Map<String, Long>> was = enums(released);
        final Map<String, Map<String, Long>> now = enums(current);
        for (final Map.Entry<String, Map<String, Long>> entry : was.entrySet())
        {
            final Map<String, Long> values = now.get(entry.getKey());
            if (null == values)
            {
                continue;
            }
            for (final Map.Entry<String, Long> value : entry.getValue().entrySet())
            {
                final Long number = values.get(value.getKey());
                if (null == number)
                {
                    problems.add("enum " + entry.getKey() + " value " + value.getKey() + " (" + value.getValue() +
                        ") was removed");
                }
                else if (!number.equals(value.getValue()))
                {
                    problems.add("enum " + entry.getKey() + " value " + value.getKey() + " changed from " +
                        value.getValue() + " to " + number);
                }
            }
            for (final Map.Entry<String, Long> value : values.entrySet())
            {
                if (!entry.getValue().containsKey(value.getKey()) && entry.getValue().containsValue(value.getValue()))
                {
                    problems.add("enum " + entry.getKey() + " value " + value.getKey() + " reuses the number " +
                        value.getValue() + " of a released value");
                }
            }
        }
    }

    private static Map<String, Map<String, Long>> enums(final Ir ir)
    {
        final Map<String, Map<String, Long>> enums = new LinkedHashMap<>();
        for (final List<Token> tokens : ir.types())
        {
            String name = null;
            for (final Token token : tokens)
            {
                if (token.signal() == Signal.BEGIN_ENUM)
                {
                    name = token.applicableTypeName();
                    enums.put(name, new LinkedHashMap<>());
                }
                else if (token.signal() == Signal.VALID_VALUE && null != name)
                {
                    enums.get(name).put(token.name(), token.encoding().constValue().longValue());
                }
                else if (token.signal() == Signal.END_ENUM)
                {
                    name = null;
                }
            }
        }
        return enums;
    }
}
