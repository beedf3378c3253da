namespace Netra.Server.Chat;

/// <summary>Whether a chat exists and whether a given user is one of its members.</summary>
internal enum ChatAccess
{
    NoSuchChat,
    NotMember,
    Member,
}
