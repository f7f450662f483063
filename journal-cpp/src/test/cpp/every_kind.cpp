/*
 * Writes messages of the every-kind test schema, encoded by SBE's C++ encoder, to a file (each a uint32 length and
 * the message, header included) and prints each one's C++ rendering (SkeinText.h) on a line: JournalCppDumpTest
 * renders the same bytes with the Java tools' renderer and compares the lines.
 *
 *   every_kind <output file>
 */
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iostream>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "io_skein_cpp_kinds/SkeinText.h"

using namespace io::skein::cpp::kinds;

int main(int argc, char **argv)
{
    if (argc != 2)
    {
        std::cerr << "usage: every_kind <output file>\n";
        return 1;
    }
    std::ofstream file(argv[1], std::ios::binary);
    std::mt19937_64 random(20261203);
    const double doubles[] = { 0.0, -0.0, 0.1, 1e10, -2.5e-10, 123.456, 0.001, 9999999.0, 1.0e7, 1.5, -42.0,
        std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity(),
        std::numeric_limits<double>::quiet_NaN(), 3.0e-5, 6.02214076e23 };
    const float floats[] = { 0.0f, 0.1f, 1e10f, -2.5e-10f, 123.5f, 0.001f, 1.0e7f, -3.25f, 7.0f };
    const std::int64_t edges[] = { 0, 1, -1, std::numeric_limits<std::int64_t>::min(),
        std::numeric_limits<std::int64_t>::max() };
    const int count = 200;
    for (int n = 0; n < count; n++)
    {
        std::vector<char> buffer(4096, 0);
        Everything message;
        message.wrapAndApplyHeader(buffer.data(), 0, buffer.size());
        const std::uint64_t r = random();
        const std::int64_t wide = n < 5 ? edges[n] : static_cast<std::int64_t>(random());
        message.i8(static_cast<std::int8_t>(r)).u8(static_cast<std::uint8_t>(r >> 8))
            .i16(static_cast<std::int16_t>(r >> 16)).u16(static_cast<std::uint16_t>(r >> 24))
            .i32(static_cast<std::int32_t>(r >> 8)).u32(static_cast<std::uint32_t>(r >> 32))
            .i64(wide).u64(n == 0 ? std::numeric_limits<std::uint64_t>::max() : static_cast<std::uint64_t>(random()))
            .f(floats[n % (sizeof(floats) / sizeof(floats[0]))])
            .d(doubles[n % (sizeof(doubles) / sizeof(doubles[0]))])
            .c(static_cast<char>('a' + n % 26));
        const std::string code = std::string("ABCDEF").substr(0, n % 7);
        message.putCode(code);
        message.triple(0, static_cast<std::int32_t>(r)).triple(1, -n).triple(2, n * 1000);
        message.price().mantissa(wide / 3).exponent(static_cast<std::int8_t>(-(n % 9)));
        // Names, the null value (255) and a number the enum does not know.
        const std::uint8_t colours[] = { 1, 2, 255, 7 };
        std::memcpy(buffer.data() + MessageHeader::encodedLength() + Everything::colourEncodingOffset(),
            &colours[n % 4], 1);
        const char letters[] = { 'A', 'B', 0, 'Z' };
        std::memcpy(buffer.data() + MessageHeader::encodedLength() + Everything::letterEncodingOffset(),
            &letters[n % 4], 1);
        message.flags().clear().urgent(n % 2 == 0).quiet(n % 3 == 0);
        message.added(n * 7);
        const int legs = n % 4;
        Everything::Legs &legGroup = message.legsCount(static_cast<std::uint16_t>(legs));
        for (int leg = 0; leg < legs; leg++)
        {
            legGroup.next().qty(leg * 10 + n);
            const int fills = (n + leg) % 3;
            Everything::Legs::Fills &fillGroup = legGroup.fillsCount(static_cast<std::uint16_t>(fills));
            for (int fill = 0; fill < fills; fill++)
            {
                fillGroup.next().px(static_cast<std::int64_t>(random() % 100000) - 50000);
            }
        }
        message.putNote(std::string("note ") + std::to_string(n) + (n % 5 == 0 ? "" : " with words"));
        message.putBlob(std::string(static_cast<std::size_t>(n % 50), static_cast<char>(n)));
        const std::uint64_t length = MessageHeader::encodedLength() + message.encodedLength();
        if (n % 10 == 9)
        {
            // Written by a version-1 encoder: the same block, but "added" is not in the acting version.
            MessageHeader header(buffer.data(), 0, buffer.size(), MessageHeader::sbeSchemaVersion());
            header.version(1);
        }
        const std::uint32_t length32 = static_cast<std::uint32_t>(length);
        file.write(reinterpret_cast<const char *>(&length32), sizeof(length32));
        file.write(buffer.data(), static_cast<std::streamsize>(length));
        std::string text;
        skeinDescribe(buffer.data(), length, text);
        std::cout << text << "\n";
    }
    // A message of another schema, and one too short for a header.
    std::vector<char> other(16, 0);
    MessageHeader header(other.data(), 0, other.size(), MessageHeader::sbeSchemaVersion());
    header.blockLength(8).templateId(1).schemaId(99).version(1);
    const std::uint32_t otherLength = 16;
    file.write(reinterpret_cast<const char *>(&otherLength), sizeof(otherLength));
    file.write(other.data(), otherLength);
    std::string text;
    skeinDescribe(other.data(), otherLength, text);
    std::cout << text << "\n";
    const std::uint32_t shortLength = 5;
    file.write(reinterpret_cast<const char *>(&shortLength), sizeof(shortLength));
    file.write(other.data(), shortLength);
    text.clear();
    skeinDescribe(other.data(), shortLength, text);
    std::cout << text << "\n";
    return file.good() ? 0 : 2;
}
