//! The bot with WeCom configured, against the WeCom simulator (beside Telegram's): members
//! write to the app through the simulator's signed, encrypted callbacks to `/wecom`.
use super::{free_addr, Backend, TestBot, TestClock, WAIT};
use lookout::app::{Settings, WecomSecrets};
use lookout::config::{Config, WecomConfig};
use lookout::org::Role;
use lookout::sim::wecom::{WecomMessage, WecomSim, WecomSimConfig, WecomUser};
use lookout::sim::SimConfig;

impl TestBot {
    /// Without either channel's limits, on a clock the test drives, with WeCom configured
    /// and its simulator pushing members' messages to the bot's `/wecom`.
    pub async fn spawn_wecom_on(backend: Backend, config: Config, clock: TestClock) -> TestBot {
        let sim = SimConfig {
            limits: None,
            ..SimConfig::default()
        };
        let mut bot = TestBot::prepare(backend, sim, config).await;
        bot.limits = lookout::delivery::Limits::none();
        bot.clock = Some(clock.clone());
        let wecom = WecomSim::start(WecomSimConfig {
            limits: false,
            clock: clock.clock(),
            ..WecomSimConfig::default()
        })
        .await;
        bot.config.wecom = Some(WecomConfig {
            corp_id: wecom.corp_id(),
            agent_id: wecom.agent_id(),
            api_url: wecom.base_url(),
        });
        bot.config.http.listen = Some(free_addr());
        bot.wecom = Some(wecom);
        bot.start().await;
        bot
    }

    pub fn wecom(&self) -> &WecomSim {
        self.wecom.as_ref().expect("a bot spawned with WeCom")
    }

    /// The secrets the simulator was started with, as the environment gives them.
    pub(super) fn wecom_settings(&self, s: &mut Settings) {
        if self.wecom.is_some() {
            let c = WecomSimConfig::default();
            s.wecom = Some(WecomSecrets {
                secret: c.secret,
                token: c.token,
                aes_key: c.aes_key,
            });
        }
    }

    /// Point the simulator's callbacks at the running bot.
    pub(super) fn wecom_started(&self) {
        if let (Some(w), Some(addr)) = (&self.wecom, self.running().http_addr) {
            w.set_callback(format!("http://{addr}/wecom"));
        }
    }

    /// A member joins `unit` as `role` through an invite sent in the app.
    pub async fn join_wecom(&self, user: &WecomUser, unit: &str, role: Role) {
        let code = self.invite(unit, role, 1, None).await;
        let before = user.messages().len();
        assert!(user.send_text(&format!("/start {code}")).await.delivered());
        self.wecom_reply(user, before).await;
    }

    /// Send a text in the app and wait for the next message to that member.
    pub async fn ask_wecom(&self, user: &WecomUser, text: &str) -> WecomMessage {
        let before = user.messages().len();
        assert!(user.send_text(text).await.delivered(), "{text} not taken");
        self.wecom_reply(user, before).await
    }

    /// The member's message after the first `before`, once it came.
    pub async fn wecom_reply(&self, user: &WecomUser, before: usize) -> WecomMessage {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            if let Some(m) = user.messages().get(before) {
                return m.clone();
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "no reply to {} within {WAIT:?}; it has: {:?}",
                user.userid(),
                user.messages()
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }
}
