using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace ComplaintGrpc.IntegrationTests.Security;

/// <summary>Request bytes that no typed client can produce: a string field carrying bytes that are not UTF-8, and
/// gRPC frames (the 5-byte prefix: compressed flag and big-endian length) that are broken.</summary>
public static class WireMessages
{
    /// <summary>
    /// <paramref name="message"/> with the string field at <paramref name="path"/> (e.g. "customer.name") replaced by
    /// <paramref name="raw"/> bytes: the field is cleared, the message serialized, and the field appended as its own
    /// length-delimited record, wrapped in one record per enclosing message (protobuf merges repeated sub-messages).
    /// </summary>
    public static byte[] WithRawString(IMessage message, string path, byte[] raw)
    {
        var copy = message.Descriptor.Parser.ParseFrom(message.ToByteString());
        var names = path.Split('.');
        var fields = new List<FieldDescriptor>();
        IMessage target = copy;
        var descriptor = copy.Descriptor;
        foreach (var name in names)
        {
            var field = descriptor.FindFieldByName(name) ?? throw new ArgumentException($"{descriptor.FullName} has no field {name}", nameof(path));
            fields.Add(field);
            if (field.FieldType == FieldType.Message)
            {
                target = (IMessage?)field.Accessor.GetValue(target) ?? throw new ArgumentException($"{path}: {name} is unset", nameof(path));
                descriptor = field.MessageType;
            }
        }
        fields[^1].Accessor.Clear(target);

        var record = raw;
        for (var i = fields.Count - 1; i >= 0; i--)
            record = LengthDelimited(fields[i].FieldNumber, record);
        return [.. copy.ToByteArray(), .. record];
    }

    public static byte[] LengthDelimited(int fieldNumber, byte[] payload)
    {
        using var buffer = new MemoryStream();
        var output = new CodedOutputStream(buffer);
        output.WriteTag(fieldNumber, WireFormat.WireType.LengthDelimited);
        output.WriteBytes(ByteString.CopyFrom(payload));
        output.Flush();
        return buffer.ToArray();
    }

    /// <summary>One gRPC length-prefixed message frame.</summary>
    public static byte[] Frame(byte[] message, byte compressedFlag = 0, uint? declaredLength = null)
    {
        var length = declaredLength ?? (uint)message.Length;
        return [compressedFlag, (byte)(length >> 24), (byte)(length >> 16), (byte)(length >> 8), (byte)length, .. message];
    }
}
