// Who the mock LSP is on the network: its URA, which the ECD looks it up by in discovery (never by a name).

/** The mock LSP's URA: its NutsUraCredential (issued by the LSP as the lab's URA authority) carries it. */
export const LSP_URA = '90000999';
