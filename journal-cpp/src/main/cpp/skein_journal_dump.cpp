/*
 * skein-journal-dump: reads a Skein node's journal straight from its Aeron Archive segment files, checks every
 * entry's CRC-32C, and prints the entries and their events in the format of `skein journal dump`.
 *
 * It needs nothing of Skein or Aeron at run time: the journal entry is decoded with the C++ codecs sbe-tool
 * generates from Skein's schema (skein-codecs.xml), and the events with those of each domain's schema plus the
 * SkeinText.h Skein's code generator writes beside them. docs/journal-format.md describes every byte read here.
 *
 *   skein-journal-dump --dir <node directory> [--limit N]
 *
 * Exit status: 0 when every entry read is whole and valid, 1 for bad arguments, 2 when the journal cannot be read
 * or an entry is corrupt (the message names its position).
 */
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "io_skein_codecs/JournalEntry.h"
#include "io_skein_codecs/MessageHeader.h"
#include "io_skein_examples_bank_codecs/SkeinText.h"
#include "io_skein_examples_orderbook_codecs/SkeinText.h"

namespace
{

/* One aggregate type: its id in the journal, its name in the dump, and its schema's text renderer. */
struct Domain
{
    std::int32_t typeId;
    const char *name;
    void (*describe)(const char *buffer, std::uint64_t length, std::string &out);
};

/* The sample domains' aggregate types (BankAccount.TYPE_ID, OrderBook.TYPE_ID). Add a line per domain of yours. */
const Domain DOMAINS[] = {
    { 1, "account", &io::skein::examples::bank::codecs::skeinDescribe },
    { 2, "order-book", &io::skein::examples::orderbook::codecs::skeinDescribe },
};

const char *const PROGRAM = "skein-journal-dump";

const std::int32_t HEADER_LENGTH = 32;
const std::uint8_t BEGIN_FLAG = 0x80;
const std::uint8_t END_FLAG = 0x40;
const std::uint16_t PADDING_FRAME_TYPE = 0;
const std::int32_t RECORDING_LOG_RECORD_LENGTH = 64;
const std::int32_t RECORDING_LOG_TYPE_JOURNAL = 1;
const std::uint16_t JOURNAL_ENTRY_TEMPLATE_ID = 3;
const std::uint16_t SKEIN_SCHEMA_ID = 6001;
const std::uint64_t OLDEST_READABLE_VERSION = 2;
const std::uint64_t MIN_ENTRY_BLOCK_LENGTH = 88;
const std::uint64_t CHECKSUM_OFFSET = 8 + 84;
const std::int64_t NULL_POSITION = -1;
const std::uint64_t MULTI_AGGREGATE_VERSION = 7;
const std::uint16_t EVENT_BLOCK_LENGTH = 20;

/* A journal that cannot be read, or an entry that is not whole and valid. */
struct Failure : std::runtime_error
{
    explicit Failure(const std::string &message) : std::runtime_error(message)
    {
    }
};

template<typename T>
T read(const char *bytes)
{
    T value;
    std::memcpy(&value, bytes, sizeof(T));
    return value;
}

/* CRC-32 (zlib's polynomial, as java.util.zip.CRC32) and CRC-32C (Castagnoli, as java.util.zip.CRC32C). */
class Crc
{
public:
    explicit Crc(const std::uint32_t reflectedPolynomial)
    {
        for (std::uint32_t i = 0; i < 256; i++)
        {
            std::uint32_t value = i;
            for (int bit = 0; bit < 8; bit++)
            {
                value = (value & 1) ? (value >> 1) ^ reflectedPolynomial : value >> 1;
            }
            table_[i] = value;
        }
    }

    std::uint32_t update(std::uint32_t crc, const char *bytes, const std::uint64_t length) const
    {
        crc = ~crc;
        for (std::uint64_t i = 0; i < length; i++)
        {
            crc = table_[(crc ^ static_cast<unsigned char>(bytes[i])) & 0xFF] ^ (crc >> 8);
        }
        return ~crc;
    }

private:
    std::uint32_t table_[256];
};

const Crc CRC32(0xEDB88320u);
const Crc CRC32C(0x82F63B78u);

std::string withCommas(const std::int64_t value)
{
    const std::string digits = std::to_string(value < 0 ? -value : value);
    std::string out;
    for (std::size_t i = 0; i < digits.size(); i++)
    {
        if (i > 0 && (digits.size() - i) % 3 == 0)
        {
            out += ',';
        }
        out += digits[i];
    }
    return value < 0 ? "-" + out : out;
}

std::int64_t floorDiv(const std::int64_t a, const std::int64_t b)
{
    const std::int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

/* Nanoseconds since the epoch as java.time.Instant prints them: 2026-12-03T12:30:51.701415610Z. */
std::string instant(const std::int64_t epochNs)
{
    const std::int64_t seconds = floorDiv(epochNs, 1000000000LL);
    const std::int64_t nanos = epochNs - seconds * 1000000000LL;
    const std::int64_t days = floorDiv(seconds, 86400);
    const std::int64_t secondOfDay = seconds - days * 86400;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    const std::int64_t z = days + 719468;
    const std::int64_t era = floorDiv(z, 146097);
    const std::int64_t doe = z - era * 146097;
    const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const std::int64_t mp = (5 * doy + 2) / 153;
    const std::int64_t day = doy - (153 * mp + 2) / 5 + 1;
    const std::int64_t month = mp < 10 ? mp + 3 : mp - 9;
    const std::int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);

    char text[128];
    if (year > 9999)
    {
        std::snprintf(text, sizeof(text), "+%lld", static_cast<long long>(year));
    }
    else if (year < 0)
    {
        std::snprintf(text, sizeof(text), "-%04lld", static_cast<long long>(-year));
    }
    else
    {
        std::snprintf(text, sizeof(text), "%04lld", static_cast<long long>(year));
    }
    std::string out = text;
    std::snprintf(text, sizeof(text), "-%02lld-%02lldT%02lld:%02lld:%02lld", static_cast<long long>(month),
        static_cast<long long>(day), static_cast<long long>(secondOfDay / 3600),
        static_cast<long long>(secondOfDay / 60 % 60), static_cast<long long>(secondOfDay % 60));
    out += text;
    if (nanos != 0)
    {
        if (nanos % 1000000 == 0)
        {
            std::snprintf(text, sizeof(text), ".%03lld", static_cast<long long>(nanos / 1000000));
        }
        else if (nanos % 1000 == 0)
        {
            std::snprintf(text, sizeof(text), ".%06lld", static_cast<long long>(nanos / 1000));
        }
        else
        {
            std::snprintf(text, sizeof(text), ".%09lld", static_cast<long long>(nanos));
        }
        out += text;
    }
    return out + "Z";
}

bool readFile(const std::string &path, std::vector<char> &bytes)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
    {
        return false;
    }
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    return true;
}

/* The journal's recording id: the latest valid journal record of journal/recording.log. */
std::int64_t journalRecordingId(const std::string &dir)
{
    const std::string path = dir + "/journal/recording.log";
    std::vector<char> log;
    if (!readFile(path, log))
    {
        throw Failure("no journal: cannot read " + path);
    }
    const std::size_t records = log.size() / RECORDING_LOG_RECORD_LENGTH;
    std::int64_t recordingId = NULL_POSITION;
    for (std::size_t i = 0; i < records; i++)
    {
        const char *record = log.data() + i * RECORDING_LOG_RECORD_LENGTH;
        const std::uint32_t crc = CRC32.update(0, record, 56);
        if (static_cast<std::int64_t>(crc) != read<std::int64_t>(record + 56))
        {
            if (i == records - 1)
            {
                break; // a torn last record: a crash during its append
            }
            throw Failure(path + ": record " + std::to_string(i) + " fails its CRC");
        }
        if (read<std::int32_t>(record) == RECORDING_LOG_TYPE_JOURNAL && (read<std::int32_t>(record + 4) & 1) == 0)
        {
            recordingId = read<std::int64_t>(record + 8);
        }
    }
    if (NULL_POSITION == recordingId)
    {
        throw Failure("no journal recording in " + path);
    }
    return recordingId;
}

/* What the archive's catalog says of a recording. */
struct Recording
{
    std::int64_t recordingId = NULL_POSITION;
    std::int64_t startPosition = 0;
    std::int64_t stopPosition = NULL_POSITION;
    std::int32_t segmentFileLength = 0;
    std::int32_t termBufferLength = 0;
};

/*
 * archive/archive.catalog: a 32-byte CatalogHeader (version, length, nextRecordingId, alignment), then per
 * recording a 32-byte RecordingDescriptorHeader (length, state, checksum) and a RecordingDescriptor block.
 */
Recording findRecording(const std::string &dir, const std::int64_t recordingId)
{
    const std::string path = dir + "/archive/archive.catalog";
    std::vector<char> catalog;
    if (!readFile(path, catalog) || catalog.size() < 32)
    {
        throw Failure("cannot read the archive catalog " + path);
    }
    const std::int32_t alignment = read<std::int32_t>(catalog.data() + 16);
    std::size_t offset = 0 == alignment ? 1024 : 32;
    while (offset + 32 + 80 <= catalog.size())
    {
        const char *header = catalog.data() + offset;
        const std::int32_t length = read<std::int32_t>(header);
        if (length <= 0)
        {
            break;
        }
        const char *descriptor = header + 32;
        if (read<std::int32_t>(header + 4) == 1 && read<std::int64_t>(descriptor + 16) == recordingId)
        {
            Recording recording;
            recording.recordingId = recordingId;
            recording.startPosition = read<std::int64_t>(descriptor + 40);
            recording.stopPosition = read<std::int64_t>(descriptor + 48);
            recording.segmentFileLength = read<std::int32_t>(descriptor + 60);
            recording.termBufferLength = read<std::int32_t>(descriptor + 64);
            return recording;
        }
        offset += 32 + static_cast<std::size_t>(length);
    }
    throw Failure("the archive catalog " + path + " has no valid recording " + std::to_string(recordingId));
}

/* Reads a recording's frames from its segment files, one whole message at a time. */
class RecordingReader
{
public:
    RecordingReader(const std::string &dir, const Recording &recording) :
        archiveDir_(dir + "/archive"),
        recording_(recording),
        termBase_(recording.startPosition - (recording.startPosition & (recording.termBufferLength - 1))),
        position_(recording.startPosition)
    {
        if (recording.termBufferLength <= 0 || (recording.termBufferLength & (recording.termBufferLength - 1)) ||
            recording.segmentFileLength < recording.termBufferLength)
        {
            throw Failure("recording " + std::to_string(recording.recordingId) + " has term length " +
                std::to_string(recording.termBufferLength) + " and segment length " +
                std::to_string(recording.segmentFileLength));
        }
    }

    /* The next whole message; false at the end (and any message started but not ended there is a torn tail). */
    bool next(std::vector<char> &message, std::int64_t &endPosition)
    {
        message.clear();
        bool assembling = false;
        while (NULL_POSITION == recording_.stopPosition || position_ < recording_.stopPosition)
        {
            const char *frame = frameAt(position_);
            if (nullptr == frame)
            {
                break;
            }
            const std::int32_t frameLength = read<std::int32_t>(frame);
            if (0 == frameLength)
            {
                break;
            }
            const std::int64_t termOffset = (position_ - termBase_) & (recording_.termBufferLength - 1);
            if (frameLength < HEADER_LENGTH || termOffset + frameLength > recording_.termBufferLength ||
                read<std::int32_t>(frame + 8) != termOffset)
            {
                throw Failure("bad frame at position " + std::to_string(position_) + ": length " +
                    std::to_string(frameLength) + ", term offset " + std::to_string(read<std::int32_t>(frame + 8)));
            }
            const std::uint8_t flags = static_cast<std::uint8_t>(frame[5]);
            const std::uint16_t type = read<std::uint16_t>(frame + 6);
            const std::int64_t framePosition = position_;
            position_ += (frameLength + HEADER_LENGTH - 1) & ~(HEADER_LENGTH - 1);
            if (PADDING_FRAME_TYPE == type)
            {
                if (termOffset + frameLength != recording_.termBufferLength)
                {
                    throw Failure("a padding frame at position " + std::to_string(framePosition) +
                        " does not fill its term: length " + std::to_string(frameLength) + " at term offset " +
                        std::to_string(termOffset));
                }
                continue;
            }
            if ((flags & BEGIN_FLAG) != 0)
            {
                if (assembling)
                {
                    throw Failure("a message begins at position " + std::to_string(framePosition) +
                        " before the one assembled ended");
                }
                assembling = true;
            }
            else if (!assembling)
            {
                throw Failure("a fragment without a beginning at position " + std::to_string(framePosition));
            }
            message.insert(message.end(), frame + HEADER_LENGTH, frame + frameLength);
            if ((flags & END_FLAG) != 0)
            {
                endPosition = position_;
                return true;
            }
        }
        if (NULL_POSITION == recording_.stopPosition)
        {
            recording_.stopPosition = position_;
        }
        else if (position_ < recording_.stopPosition)
        {
            throw Failure("the recording's frames end at position " + std::to_string(position_) +
                ", before its stop position " + std::to_string(recording_.stopPosition));
        }
        return false;
    }

    /* Where the recording ends: its stop position, or where the frames ran out. */
    std::int64_t stopPosition() const
    {
        return recording_.stopPosition;
    }

private:
    const char *frameAt(const std::int64_t position)
    {
        const std::int64_t fromBase = position - termBase_;
        const std::int64_t segmentBase = termBase_ + fromBase - (fromBase & (recording_.segmentFileLength - 1));
        if (segmentBase != segmentBase_)
        {
            const std::string path = archiveDir_ + "/" + std::to_string(recording_.recordingId) + "-" +
                std::to_string(segmentBase) + ".rec";
            if (!readFile(path, segment_))
            {
                if (NULL_POSITION == recording_.stopPosition)
                {
                    return nullptr;
                }
                throw Failure("missing segment file " + path + " before the recording's stop position " +
                    std::to_string(recording_.stopPosition));
            }
            segmentBase_ = segmentBase;
        }
        const std::int64_t offset = fromBase & (recording_.segmentFileLength - 1);
        if (offset + HEADER_LENGTH > static_cast<std::int64_t>(segment_.size()))
        {
            return nullptr;
        }
        return segment_.data() + offset;
    }

    const std::string archiveDir_;
    Recording recording_;
    const std::int64_t termBase_;
    std::int64_t position_;
    std::int64_t segmentBase_ = NULL_POSITION;
    std::vector<char> segment_;
};

const Domain *domain(const std::int32_t typeId)
{
    for (const Domain &candidate : DOMAINS)
    {
        if (candidate.typeId == typeId)
        {
            return &candidate;
        }
    }
    return nullptr;
}

std::string typeName(const std::int32_t typeId)
{
    const Domain *type = domain(typeId);
    return nullptr == type ? "type " + std::to_string(typeId) : type->name;
}

/* Check one entry and append its lines. */
void describeEntry(
    std::vector<char> &entry, const std::int64_t start, const std::int64_t end, std::int64_t &lastSequence,
    std::string &out)
{
    using namespace io::skein::codecs;
    const std::string at = "entry at position " + std::to_string(start) + ": ";
    if (entry.size() < MessageHeader::encodedLength())
    {
        throw Failure(at + std::to_string(entry.size()) + " bytes, too short for a message header");
    }
    MessageHeader header(entry.data(), 0, entry.size(), MessageHeader::sbeSchemaVersion());
    if (header.templateId() != JOURNAL_ENTRY_TEMPLATE_ID || header.schemaId() != SKEIN_SCHEMA_ID)
    {
        throw Failure(at + "schema " + std::to_string(header.schemaId()) + " template " +
            std::to_string(header.templateId()) + " is not a journal entry");
    }
    const std::uint64_t version = header.version();
    if (version < OLDEST_READABLE_VERSION || version > JournalEntry::sbeSchemaVersion())
    {
        throw Failure(at + "written with schema version " + std::to_string(version) + "; this reader reads " +
            std::to_string(OLDEST_READABLE_VERSION) + " to " + std::to_string(JournalEntry::sbeSchemaVersion()));
    }
    // The block, and the events group's 4-byte header after it, must be inside the entry.
    if (header.blockLength() < MIN_ENTRY_BLOCK_LENGTH ||
        8 + static_cast<std::uint64_t>(header.blockLength()) + 4 > entry.size())
    {
        throw Failure(at + "block length " + std::to_string(header.blockLength()) + " in " +
            std::to_string(entry.size()) + " bytes");
    }
    JournalEntry decoder;
    decoder.wrapForDecode(entry.data(), MessageHeader::encodedLength(), header.blockLength(), version, entry.size());
    std::uint32_t crc = CRC32C.update(0, entry.data(), CHECKSUM_OFFSET);
    crc = CRC32C.update(crc, entry.data() + CHECKSUM_OFFSET + 4, entry.size() - CHECKSUM_OFFSET - 4);
    if (static_cast<std::int32_t>(crc) != decoder.checksum())
    {
        char text[96];
        std::snprintf(text, sizeof(text), "checksum mismatch: CRC-32C of the bytes is %08x, the entry says %08x",
            crc, static_cast<std::uint32_t>(decoder.checksum()));
        throw Failure(at + text);
    }
    const std::int64_t sequence = decoder.entrySequence();
    if (lastSequence > 0 && sequence != lastSequence + 1)
    {
        throw Failure(at + "entry sequence " + std::to_string(sequence) + " follows " +
            std::to_string(lastSequence));
    }
    lastSequence = sequence;

    const std::int32_t typeId = decoder.aggregateTypeId();
    // From version 7 an entry may change several aggregates: its events then name their own (a group block of
    // EVENT_BLOCK_LENGTH bytes); an entry of its own aggregate alone has an empty group block, as before version 7.
    const bool several = version >= MULTI_AGGREGATE_VERSION &&
        read<std::uint16_t>(entry.data() + 8 + header.blockLength()) >= EVENT_BLOCK_LENGTH;
    const std::int64_t aggregateId = decoder.aggregateId();
    std::int64_t own = 0;
    if (several)
    {
        JournalEntry::Events &scan = decoder.events();
        while (scan.hasNext())
        {
            scan.next();
            own += scan.aggregateTypeId() == typeId && scan.aggregateId() == aggregateId ? 1 : 0;
            scan.skipBody();
        }
        decoder.wrapForDecode(entry.data(), MessageHeader::encodedLength(), header.blockLength(), version,
            entry.size());
    }
    JournalEntry::Events &events = decoder.events();
    const std::int64_t count = static_cast<std::int64_t>(events.count());
    if (!several)
    {
        own = count;
    }
    // The versions of the entry's own aggregate's events; for an entry with none of them, its version.
    const std::int64_t firstVersion = decoder.version() - (own > 1 ? own : 1) + 1;
    out += "@" + std::to_string(start) + ".." + std::to_string(end) + " #" + std::to_string(sequence) + " " +
        instant(decoder.timestampNs()) + " " + typeName(typeId) + ":" + std::to_string(aggregateId) + " v" +
        std::to_string(firstVersion);
    if (own > 1)
    {
        out += "-" + std::to_string(decoder.version());
    }
    if (decoder.epoch() > 0)
    {
        out += " epoch=" + std::to_string(decoder.epoch());
    }
    const std::int64_t logPosition = decoder.logPositionInActingVersion() &&
        decoder.logPosition() != JournalEntry::logPositionNullValue() ? decoder.logPosition() : NULL_POSITION;
    if (logPosition >= 0)
    {
        out += " log=" + std::to_string(logPosition);
    }
    out += " corr=" + std::to_string(decoder.correlationId());
    if (0 != decoder.causationId())
    {
        out += " cause=" + std::to_string(decoder.causationId());
    }
    if (0 != decoder.idempotencyKeyHi() || 0 != decoder.idempotencyKeyLo())
    {
        char key[40];
        std::snprintf(key, sizeof(key), " key=%016llx%016llx",
            static_cast<unsigned long long>(decoder.idempotencyKeyHi()),
            static_cast<unsigned long long>(decoder.idempotencyKeyLo()));
        out += key;
    }
    std::int64_t eventSequence = decoder.firstSequence();
    while (events.hasNext())
    {
        events.next();
        const std::int32_t eventTypeId = several ? events.aggregateTypeId() : typeId;
        const Domain *type = domain(eventTypeId);
        const std::uint64_t length = events.bodyLength();
        const char *body = events.body();
        out += "\n    " + std::to_string(eventSequence++) + " ";
        if (nullptr == type)
        {
            out += "<" + std::to_string(length) + " bytes; no schema for aggregate type " +
                std::to_string(eventTypeId) + ">";
        }
        else
        {
            type->describe(body, length, out);
        }
        if (several && (eventTypeId != typeId || events.aggregateId() != aggregateId))
        {
            out += " (" + typeName(eventTypeId) + ":" + std::to_string(events.aggregateId()) + " v" +
                std::to_string(events.version()) + ")";
        }
    }
    if (decoder.sbePosition() > entry.size())
    {
        throw Failure(at + "its events run past its " + std::to_string(entry.size()) + " bytes");
    }
    out += "\n";
}

int usage(const std::string &problem)
{
    if (!problem.empty())
    {
        std::cerr << PROGRAM << ": " << problem << "\n";
    }
    std::cerr << "usage: " << PROGRAM << " --dir <node directory> [--limit N]\n"
        << "  Print a Skein journal's entries and events, as `skein journal dump` does, checking each entry's\n"
        << "  CRC-32C. --limit: most entries to print, 0 for all (default 100).\n";
    return problem.empty() ? 0 : 1;
}

}

int main(int argc, char **argv)
{
    std::string dir;
    std::int64_t limit = 100;
    for (int i = 1; i < argc; i++)
    {
        const std::string arg = argv[i];
        if (arg == "--help" || arg == "-h")
        {
            return usage("");
        }
        if (i + 1 >= argc)
        {
            return usage(arg == "--dir" || arg == "--limit" ? arg + " needs a value" : "unknown option " + arg);
        }
        if (arg == "--dir")
        {
            dir = argv[++i];
        }
        else if (arg == "--limit")
        {
            const std::string value = argv[++i];
            char *endOfNumber = nullptr;
            errno = 0;
            limit = std::strtoll(value.c_str(), &endOfNumber, 10);
            if (value.empty() || *endOfNumber != '\0' || errno != 0 || limit < 0)
            {
                return usage("--limit takes a count of 0 or more, not " + value);
            }
        }
        else
        {
            return usage("unknown option " + arg);
        }
    }
    if (dir.empty())
    {
        return usage("--dir is required");
    }

    try
    {
        const Recording recording = findRecording(dir, journalRecordingId(dir));
        RecordingReader reader(dir, recording);
        std::string entries;
        std::vector<char> entry;
        std::int64_t start = recording.startPosition;
        std::int64_t end = 0;
        std::int64_t lastSequence = 0;
        std::int64_t printed = 0;
        bool stopped = false;
        while (reader.next(entry, end))
        {
            describeEntry(entry, start, end, lastSequence, entries);
            start = end;
            if (limit > 0 && ++printed == limit)
            {
                stopped = true;
                break;
            }
        }
        if (stopped && NULL_POSITION == recording.stopPosition)
        {
            // A recording still open (or whose node was killed) ends where its frames do: read on to find it.
            while (reader.next(entry, end))
            {
            }
        }
        std::cout << "journal: recording " << recording.recordingId << ", positions " <<
            withCommas(recording.startPosition) << " to " << withCommas(reader.stopPosition()) << "\n" << entries;
        if (stopped)
        {
            std::cout << "(stopped after " << withCommas(limit) << " entries; --limit 0 prints all)\n";
        }
        std::cout.flush();
        return std::cout.good() ? 0 : 2;
    }
    catch (const Failure &ex)
    {
        std::cerr << PROGRAM << ": " << dir << ": " << ex.what() << "\n";
        return 2;
    }
    catch (const std::exception &ex)
    {
        std::cerr << PROGRAM << ": " << dir << ": cannot decode: " << ex.what() << "\n";
        return 2;
    }
}
