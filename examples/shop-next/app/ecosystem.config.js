// pm2 process file of the Shop app. The systemd unit pm2-shop.service starts pm2 with it;
// guarded.deploy reloads (cluster mode, zero downtime) or restarts (fork mode) the app.
// cwd is the `current` symlink, so a reload starts the workers in the new release.
module.exports = {
  apps: [
    {
      name: "shop",
      cwd: process.env.SHOP_APP_DIR || "/srv/shop/current",
      script: "node_modules/next/dist/bin/next",
      args: "start --hostname 127.0.0.1 --port 3000",
      exec_mode: "cluster",
      instances: 2,
      kill_timeout: 5000,
      env: {
        NODE_ENV: "production",
        DATABASE_URL: process.env.DATABASE_URL || "postgresql://shop@localhost/shop?host=/var/run/postgresql",
      },
    },
  ],
};
