using System.Collections;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;

namespace ComplaintGrpc.IntegrationTests.Security;

/// <summary>
/// Mutates valid request messages in two ways, driven by one seeded <see cref="Random"/> so a run can be repeated:
/// field-wise through the protobuf descriptors (hostile strings, unknown enum numbers, extreme numbers and
/// timestamps, dropped and huge repeated fields), and byte-wise on the serialized message (flips, truncation,
/// extension, splices, and pure noise).
/// </summary>
public sealed class MessageMutator(Random random)
{
    private static readonly int[] Int32s = [0, 1, -1, 2, 5, 6, 199, 200, 201, 366, 367, 1000, short.MaxValue, int.MaxValue, int.MinValue, int.MaxValue - 1];
    private static readonly long[] Int64s = [0, 1, -1, long.MaxValue, long.MinValue, int.MaxValue + 1L, 253402300799, 253402300800, -62135596800, -62135596801];
    private static readonly int[] Nanos = [0, 1, 999_999_999, 1_000_000_000, -1, int.MaxValue, int.MinValue];

    /// <summary>1 to 3 field mutations of a copy of <paramref name="valid"/>; the description says which.</summary>
    public (IMessage Message, string Description) MutateFields(IMessage valid)
    {
        var copy = valid.Descriptor.Parser.ParseFrom(valid.ToByteString());
        var log = new List<string>();
        var count = random.Next(1, 4);
        for (var i = 0; i < count; i++)
            MutateOneField(copy, "", log, depth: 0);
        return (copy, string.Join("; ", log));
    }

    private void MutateOneField(IMessage message, string prefix, List<string> log, int depth)
    {
        var fields = message.Descriptor.Fields.InFieldNumberOrder();
        if (fields.Count == 0)
        {
            log.Add($"{prefix}(no fields)");
            return;
        }
        var field = fields[random.Next(fields.Count)];
        var path = prefix + field.Name;

        if (random.Next(8) == 0)
        {
            field.Accessor.Clear(message);
            log.Add($"{path}: dropped");
            return;
        }

        if (field.IsMap)
        {
            field.Accessor.Clear(message);
            log.Add($"{path}: map cleared");
            return;
        }

        if (field.IsRepeated)
        {
            var list = (IList)field.Accessor.GetValue(message);
            var n = random.Next(4) switch { 0 => 1, 1 => random.Next(2, 30), 2 => random.Next(30, 300), _ => random.Next(300, 5000) };
            for (var i = 0; i < n; i++)
                list.Add(RandomValue(field, path, null, depth));
            log.Add($"{path}: +{n} values");
            return;
        }

        if (field.FieldType == FieldType.Message)
        {
            var current = (IMessage?)field.Accessor.GetValue(message);
            if (IsWellKnown(field) || current is null || random.Next(3) == 0)
            {
                var value = (IMessage)RandomValue(field, path, log, depth);
                field.Accessor.SetValue(message, value);
                return;
            }
            if (depth < 4)
                MutateOneField(current, path + ".", log, depth + 1);
            return;
        }

        field.Accessor.SetValue(message, RandomValue(field, path, log, depth));
    }

    private static bool IsWellKnown(FieldDescriptor field) =>
        field.MessageType.FullName is "google.protobuf.Timestamp" or "google.protobuf.Duration";

    private object RandomValue(FieldDescriptor field, string path, List<string>? log, int depth)
    {
        object value;
        string shown;
        switch (field.FieldType)
        {
            case FieldType.String:
                var (name, text) = RandomString();
                (value, shown) = (text, name);
                break;
            case FieldType.Bytes:
                var bytes = RandomBytes(random.Next(0, 256));
                (value, shown) = (ByteString.CopyFrom(bytes), $"{bytes.Length} random bytes");
                break;
            case FieldType.Enum:
                var number = random.Next(3) switch
                {
                    0 => field.EnumType.Values[random.Next(field.EnumType.Values.Count)].Number,
                    1 => Pick(Int32s),
                    _ => random.Next(-50, 100),
                };
                (value, shown) = (System.Enum.ToObject(field.EnumType.ClrType, number), $"enum {number}");
                break;
            case FieldType.Bool:
                var b = random.Next(2) == 0;
                (value, shown) = (b, b.ToString());
                break;
            case FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32:
                var i32 = random.Next(2) == 0 ? Pick(Int32s) : random.Next(int.MinValue, int.MaxValue);
                (value, shown) = (i32, i32.ToString());
                break;
            case FieldType.UInt32 or FieldType.Fixed32:
                var u32 = unchecked((uint)Pick(Int32s));
                (value, shown) = (u32, u32.ToString());
                break;
            case FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64:
                var i64 = random.Next(2) == 0 ? Pick(Int64s) : random.NextInt64(long.MinValue, long.MaxValue);
                (value, shown) = (i64, i64.ToString());
                break;
            case FieldType.UInt64 or FieldType.Fixed64:
                var u64 = unchecked((ulong)Pick(Int64s));
                (value, shown) = (u64, u64.ToString());
                break;
            case FieldType.Double:
                var d = Pick([double.NaN, double.PositiveInfinity, double.NegativeInfinity, -0.0, double.MaxValue, double.Epsilon]);
                (value, shown) = (d, d.ToString());
                break;
            case FieldType.Float:
                var f = Pick([float.NaN, float.PositiveInfinity, float.NegativeInfinity, -0.0f, float.MaxValue]);
                (value, shown) = (f, f.ToString());
                break;
            case FieldType.Message when field.MessageType.FullName == "google.protobuf.Timestamp":
                var t = new Timestamp { Seconds = RandomSeconds(), Nanos = random.Next(3) == 0 ? Pick(Nanos) : random.Next(0, 1_000_000_000) };
                (value, shown) = (t, $"timestamp {t.Seconds}s {t.Nanos}ns");
                break;
            case FieldType.Message when field.MessageType.FullName == "google.protobuf.Duration":
                var du = new Duration { Seconds = Pick(Int64s), Nanos = Pick(Nanos) };
                (value, shown) = (du, $"duration {du.Seconds}s {du.Nanos}ns");
                break;
            case FieldType.Message:
                // A fresh sub-message, empty or with one of its own fields mutated.
                var sub = field.MessageType.Parser.ParseFrom(ByteString.Empty);
                var subLog = new List<string>();
                if (depth < 4 && random.Next(2) == 0)
                    MutateOneField(sub, path + ".", subLog, depth + 1);
                (value, shown) = (sub, subLog.Count == 0 ? "empty message" : $"new message ({string.Join("; ", subLog)})");
                break;
            default:
                throw new NotSupportedException($"{path}: {field.FieldType}");
        }
        log?.Add($"{path}: {shown}");
        return value;
    }

    private long RandomSeconds()
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        return random.Next(5) switch
        {
            0 => Pick(Int64s),
            1 => now + random.Next(-86_400 * 60, 86_400 * 60),
            2 => now + random.NextInt64(-86_400L * 365 * 100, 86_400L * 365 * 100),
            3 => random.NextInt64(-62135596800, 253402300800),
            _ => random.NextInt64(long.MinValue, long.MaxValue),
        };
    }

    /// <summary>A hostile string (most often), or random characters from across the Unicode planes.</summary>
    public (string Name, string Value) RandomString()
    {
        if (random.Next(3) > 0)
        {
            // The 10 MiB text is costly to send; keep it to a few per thousand.
            var pick = Pick(HostileText.All);
            return pick.Name == "ten-megabytes" && random.Next(20) > 0 ? HostileText.All[0] : pick;
        }
        var length = random.Next(4) == 0 ? random.Next(0, 6000) : random.Next(0, 40);
        var chars = new System.Text.StringBuilder(length);
        for (var i = 0; i < length; i++)
        {
            // Any code point but surrogates (a .NET string cannot carry a lone one onto the wire: it becomes U+FFFD).
            var cp = random.Next(4) switch { 0 => random.Next(0, 0x80), 1 => random.Next(0x80, 0x800), 2 => random.Next(0x4E00, 0x9FFF), _ => random.Next(0, 0x110000) };
            if (cp is >= 0xD800 and <= 0xDFFF)
                cp = 0xFFFD;
            chars.Append(char.ConvertFromUtf32(cp));
        }
        return ($"{length} random code points", chars.ToString());
    }

    /// <summary>A damaged copy of a valid serialized message, or pure noise; the description says which.</summary>
    public (byte[] Bytes, string Description) MutateBytes(byte[] valid)
    {
        switch (random.Next(7))
        {
            case 0:
            {
                var copy = (byte[])valid.Clone();
                var flips = random.Next(1, 9);
                for (var i = 0; i < flips && copy.Length > 0; i++)
                    copy[random.Next(copy.Length)] ^= (byte)(1 << random.Next(8));
                return (copy, $"{flips} bit flips");
            }
            case 1:
            {
                var copy = (byte[])valid.Clone();
                var count = random.Next(1, 5);
                for (var i = 0; i < count && copy.Length > 0; i++)
                    copy[random.Next(copy.Length)] = (byte)random.Next(256);
                return (copy, $"{count} random bytes overwritten");
            }
            case 2:
            {
                var length = valid.Length == 0 ? 0 : random.Next(valid.Length);
                return (valid[..length], $"truncated to {length} of {valid.Length} bytes");
            }
            case 3:
            {
                var tail = RandomBytes(random.Next(1, 64));
                return ([.. valid, .. tail], $"extended by {tail.Length} random bytes");
            }
            case 4:
            {
                var at = random.Next(valid.Length + 1);
                var insert = RandomBytes(random.Next(1, 16));
                return ([.. valid[..at], .. insert, .. valid[at..]], $"{insert.Length} random bytes inserted at {at}");
            }
            case 5:
            {
                // A length prefix or tag made huge or negative: varint continuation bytes spliced in.
                var at = random.Next(valid.Length + 1);
                byte[] varint = random.Next(2) == 0 ? [0xFF, 0xFF, 0xFF, 0xFF, 0x0F] : [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01];
                return ([.. valid[..at], .. varint, .. valid[at..]], $"{varint.Length}-byte varint spliced in at {at}");
            }
            default:
            {
                var noise = RandomBytes(random.Next(4) == 0 ? random.Next(512, 64 * 1024) : random.Next(0, 512));
                return (noise, $"{noise.Length} bytes of noise");
            }
        }
    }

    private byte[] RandomBytes(int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private T Pick<T>(IReadOnlyList<T> items) => items[random.Next(items.Count)];
}
