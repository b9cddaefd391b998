/** The built-in plugins, in palette order. */
import type { PluginDefinition } from '../src-shared/plugin-sdk'
import codeJavascript from './code.javascript'
import codePython from './code.python'
import dataAppend from './data.append'
import dataHash from './data.hash'
import dataMask from './data.mask'
import dataMerge from './data.merge'
import dataTransform from './data.transform'
import httpRequest from './http.request'
import sqlQuery from './sql.query'
import redisCommand from './redis.command'
import mqttPublish from './mqtt.publish'
import emailSend from './email.send'
import triggerMqtt from './trigger.mqtt'
import profileAddConsent from './profile.add-consent'
import profileMerge from './profile.merge'
import dataCopy from './data.copy'
import dataDelete from './data.delete'
import dataIncrement from './data.increment'
import dataSet from './data.set'
import dataTemplate from './data.template'
import flowEnd from './flow.end'
import flowForEach from './flow.for-each'
import flowIf from './flow.if'
import flowJoin from './flow.join'
import flowLog from './flow.log'
import flowSleep from './flow.sleep'
import flowSubflow from './flow.subflow'
import flowSwitch from './flow.switch'
import flowThrow from './flow.throw'
import profileAddSegment from './profile.add-segment'
import profileHasSegment from './profile.has-segment'
import profileRemoveSegment from './profile.remove-segment'
import triggerEvent from './trigger.event'
import triggerManual from './trigger.manual'
import triggerSchedule from './trigger.schedule'
import triggerSubflow from './trigger.subflow'
import triggerWebhook from './trigger.webhook'

export const builtinPlugins = [
  triggerManual,
  triggerEvent,
  triggerWebhook,
  triggerSchedule,
  triggerMqtt,
  triggerSubflow,
  flowIf,
  flowSwitch,
  flowJoin,
  flowForEach,
  flowSubflow,
  flowSleep,
  flowLog,
  flowThrow,
  flowEnd,
  dataSet,
  dataCopy,
  dataDelete,
  dataAppend,
  dataIncrement,
  dataTemplate,
  dataTransform,
  dataMerge,
  dataHash,
  dataMask,
  profileAddSegment,
  profileRemoveSegment,
  profileHasSegment,
  profileAddConsent,
  profileMerge,
  httpRequest,
  sqlQuery,
  redisCommand,
  mqttPublish,
  emailSend,
  codeJavascript,
  codePython,
] as PluginDefinition[]
