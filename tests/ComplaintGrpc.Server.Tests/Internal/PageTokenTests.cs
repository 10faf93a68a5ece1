using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.Domain;
using ComplaintGrpc.Server.Internal;

namespace ComplaintGrpc.Server.Tests.Internal;

public sealed class PageTokenTests
{
    private static string FingerprintOf(ListComplaintsRequest request) =>
        PageToken.Fingerprint(request, r => { r.PageSize = 0; r.PageToken = ""; });

    private static DomainException InvalidToken(string token, string fingerprint)
    {
        var e = Assert.Throws<DomainException>(() => PageToken.Decode(token, fingerprint));
        Assert.Equal(ErrorKind.InvalidArgument, e.Kind);
        Assert.Equal("page_token", Assert.Single(e.Violations).Field);
        return e;
    }

    [Fact]
    public void A_token_gives_back_the_last_id_of_its_page_under_the_same_filters()
    {
        var last = Guid.NewGuid();
        var fingerprint = FingerprintOf(new ListComplaintsRequest { UnitId = "nj-jn", Statuses = { CaseStatus.Dispatched } });

        Assert.Equal(last, PageToken.Decode(PageToken.Encode(last, fingerprint), fingerprint));
    }

    [Fact]
    public void No_token_is_the_first_page() => Assert.Null(PageToken.Decode("", "ABCDEF0123456789"));

    [Fact]
    public void The_fingerprint_ignores_paging_and_follows_every_filter()
    {
        var filters = new ListComplaintsRequest { UnitId = "nj-jn", CustomerAccountNumber = "3201001234" };
        var nextPage = filters.Clone();
        nextPage.PageSize = 20;
        nextPage.PageToken = "anything";
        var otherFilters = filters.Clone();
        otherFilters.Levels.Add(Level.Major);

        Assert.Equal(FingerprintOf(filters), FingerprintOf(nextPage));
        Assert.NotEqual(FingerprintOf(filters), FingerprintOf(otherFilters));
        Assert.Equal("anything", nextPage.PageToken); // The request itself is left as it was.
    }

    [Fact]
    public void A_token_replayed_with_other_filters_is_refused()
    {
        var token = PageToken.Encode(Guid.NewGuid(), FingerprintOf(new ListComplaintsRequest { UnitId = "nj-jn" }));

        InvalidToken(token, FingerprintOf(new ListComplaintsRequest { UnitId = "nj-gl" }));
    }

    [Theory]
    [InlineData("%%%not-a-token")]
    [InlineData("bm90LWEtdG9rZW4")] // base64url of "not-a-token": no separator
    [InlineData("eHl6LkFCQ0RFRjAxMjM0NTY3ODk")] // "xyz.ABCDEF0123456789": the id is not a GUID
    public void A_token_not_made_here_is_refused(string token) => InvalidToken(token, "ABCDEF0123456789");

    [Theory]
    [InlineData(0, PageToken.DefaultPageSize)]
    [InlineData(1, 1)]
    [InlineData(PageToken.MaxPageSize, PageToken.MaxPageSize)]
    public void A_page_size_in_range_is_kept_and_zero_means_the_default(int requested, int expected) =>
        Assert.Equal(expected, PageToken.Size(requested));

    [Theory]
    [InlineData(-1)]
    [InlineData(PageToken.MaxPageSize + 1)]
    public void A_page_size_out_of_range_names_its_field(int requested)
    {
        var e = Assert.Throws<DomainException>(() => PageToken.Size(requested, "limit"));
        Assert.Equal("limit", Assert.Single(e.Violations).Field);
    }
}
