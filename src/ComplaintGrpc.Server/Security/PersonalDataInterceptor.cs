using System.Globalization;
using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.Domain.Intake;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace ComplaintGrpc.Server.Security;

/// <summary>
/// Masks customers' personal data (name, phone, address) in every case returned to a caller without the
/// personal-data permission (auditors and administrators unless their token grants it). One place, applied to every
/// response that carries a case, so no RPC can forget it.
/// </summary>
public sealed class PersonalDataInterceptor : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        var response = await continuation(request, context);
        if (Caller.Of(context).SeesPersonalData)
            return response;
        switch (response)
        {
            case Complaint c:
                Mask(c);
                break;
            case ListComplaintsResponse list:
                foreach (var c in list.Complaints)
                    Mask(c);
                break;
        }
        return response;
    }

    public static void Mask(Complaint complaint)
    {
        if (complaint.Customer is not { } customer)
            return;
        customer.Phone = ComplaintIntake.MaskPhone(customer.Phone);
        customer.Name = customer.Name.Length == 0 ? "" : Leading(customer.Name, 1) + "**";
        customer.Address = Leading(customer.Address, 6) + (customer.Address.Length > 0 ? "***" : "");
    }

    /// <summary>The first <paramref name="count"/> user-perceived characters (never half an emoji or a split
    /// combining sequence).</summary>
    private static string Leading(string text, int count)
    {
        var length = 0;
        for (var i = 0; i < count && length < text.Length; i++)
            length += StringInfo.GetNextTextElementLength(text, length);
        return text[..length];
    }
}
