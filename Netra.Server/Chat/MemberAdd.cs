namespace Netra.Server.Chat;

/// <summary>What <see cref="ChatMembersStore.AddAsync"/> did.</summary>
internal enum MemberAdd
{
    Added,
    AlreadyMember,
    ChatFull,
}
