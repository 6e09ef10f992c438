// The release of the Shop app; /api/health reports it.
module.exports = { VERSION: "v1" };
