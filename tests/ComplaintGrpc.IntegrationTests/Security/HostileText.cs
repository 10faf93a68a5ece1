namespace ComplaintGrpc.IntegrationTests.Security;

/// <summary>
/// Strings that have broken text handling elsewhere: SQL, control characters, bidirectional overrides, emoji,
/// mixed scripts, invisible characters, and lengths just over, far over and absurdly over every text limit.
/// Each either round-trips exactly or is rejected; none may come back changed.
/// </summary>
public static class HostileText
{
    /// <summary>10 MiB of CJK text (30 MiB of UTF-8): ten times the message size limit on its own.</summary>
    public static readonly string TenMegabytes = new('电', 10 * 1024 * 1024);

    public static IReadOnlyList<(string Name, string Value)> All { get; } =
    [
        ("sql-quote", "'; DROP TABLE complaints; --"),
        ("sql-tautology", "' OR '1'='1' --"),
        ("sql-stacked", "1); DELETE FROM complaints WHERE (1=1"),
        ("sql-dollar-quote", "$$; TRUNCATE complaints; $$"),
        ("sql-sleep", "x' || pg_sleep(5) || '"),
        ("like-wildcards", "%_%\\"),
        ("nul", "before\0after"),
        ("bell-escape", "\a\u001b[31mred\u001b[0m"),
        ("del-c1", "\u007f\u0085\u009b"),
        ("crlf-tab", "line one\r\nline two\tend"),
        ("rtl-override", "\u202Etxt.exe\u202C"),
        ("rtl-marks", "\u200F\u200E\u061C\u2067x\u2069"),
        ("arabic-hebrew", "شكوى بخصوص الكهرباء עברית"),
        ("emoji", "😀 👨‍👩‍👧‍👦 🇨🇳 ⚡️"),
        ("mixed-scripts", "Жалоба 投诉 شكوى 苦情 Παράπονο हिन्दी"),
        ("combining", "e\u0301\u0308\u20DD"),
        ("invisible", "\u200B\u200D\uFEFF\u2060\u00AD"),
        ("odd-spaces", "\u00A0\u3000\u2028\u2029"),
        ("noncharacters", "\uFFFE\uFFFF\uFDD0"),
        ("private-use", "\uE000\U000F0000"),
        ("supplementary-cjk", "𠀀𪚥𰻞"),
        ("markup", "<script>alert(1)</script>&amp;"),
        ("format-specifiers", "%s%n{0}{{}}%%"),
        ("quotes-backslashes", "\\\"'`\\\\"),
        ("whitespace-only", " \t "),
        ("just-over-4000", new string('长', 4001)),
        ("hundred-thousand", new string('x', 100_000)),
        ("ten-megabytes", TenMegabytes),
    ];

    /// <summary>UTF-8 byte sequences that are not UTF-8: a lone high and a lone low surrogate (CESU-style), an overlong
    /// slash, a stray continuation byte and a truncated sequence. Only raw bytes can carry them; a .NET string cannot.</summary>
    public static IReadOnlyList<(string Name, byte[] Utf8)> InvalidUtf8 { get; } =
    [
        ("lone-high-surrogate", [(byte)'a', 0xED, 0xA0, 0x80, (byte)'b']),
        ("lone-low-surrogate", [0xED, 0xB0, 0x80]),
        ("overlong-slash", [0xC0, 0xAF]),
        ("stray-continuation", [(byte)'x', 0x80]),
        ("truncated-sequence", [0xE7, 0x94]),
    ];
}
