package fs

// xattrPrefix is the extended-attribute namespace that holds named streams.
const xattrPrefix = "user."
