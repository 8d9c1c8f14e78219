// Installed in the container image as /nodeapp/src/butler-sos.js: upstream's images start the
// agent with `node src/butler-sos.js --configfile ...`, so existing compose files and scripts keep
// working with this image. It only hands over to the real entry point.
await import('../bin/butler-sos.js');
